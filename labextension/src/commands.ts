/** Commands and the file browser's context menu: upload, run as workflow, publish, open as dashboard. */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { Contents } from '@jupyterlab/services';
import { Widget } from '@lumino/widgets';

import * as api from './api';
import { openDashboard } from './dashboard';
import { errorMessage, h, jobProgressText } from './dom';
import { dashboardIcon, dataIcon, publishIcon, workflowIcon } from './icons';
import { reportError } from './notebook';
import { PublishPanel } from './publishPanel';
import { SessionModel } from './session';
import { WorkflowsPanel } from './workflowsPanel';

export const CommandIDs = {
  upload: 'openvre:upload',
  runWorkflow: 'openvre:run-workflow',
  publishFiles: 'openvre:publish-files',
  openDashboard: 'openvre:open-dashboard'
};

const isYaml = (item: Contents.IModel): boolean => item.type !== 'directory' && /\.ya?ml$/i.test(item.name);
const isNotebook = (item: Contents.IModel): boolean => item.type === 'notebook' || item.name.endsWith('.ipynb');

interface Panels {
  session: SessionModel;
  workflows: WorkflowsPanel;
  publish: PublishPanel;
  dataId: string;
}

export function addCommands(app: JupyterFrontEnd, browser: IDefaultFileBrowser, panels: Panels): void {
  const selected = (): Contents.IModel[] => Array.from(browser.selectedItems());
  const files = (): Contents.IModel[] => selected().filter(item => item.type !== 'directory');
  const requireLogin = (panelId: string): boolean => {
    if (panels.session.loggedIn) {
      return true;
    }
    app.shell.activateById(panelId);
    Notification.warning('Log in to openvre first (the form is in the panel on the left).', { autoClose: 5000 });
    return false;
  };

  app.commands.addCommand(CommandIDs.upload, {
    label: 'Upload to Data Lake',
    caption: 'Register the selected files in the data lake (scope and dataset asked)',
    icon: dataIcon,
    isVisible: () => files().length > 0,
    execute: async () => {
      const paths = files().map(item => item.path);
      if (!paths.length || !requireLogin(panels.dataId)) {
        return;
      }
      await upload(paths).catch(reason => reportError('Upload failed', reason));
    }
  });

  app.commands.addCommand(CommandIDs.runWorkflow, {
    label: 'Run as workflow',
    caption: 'Validate this reana.yaml, then run it',
    icon: workflowIcon,
    isVisible: () => selected().length === 1 && isYaml(selected()[0]),
    execute: async args => {
      const path = (args.path as string | undefined) ?? selected().filter(isYaml)[0]?.path;
      if (!path || !requireLogin(panels.workflows.id)) {
        return;
      }
      app.shell.activateById(panels.workflows.id);
      await panels.workflows
        .runFile(path, file => void app.commands.execute('docmanager:open', { path: file }))
        .catch(reason => reportError(`Running ${path} failed`, reason));
    }
  });

  app.commands.addCommand(CommandIDs.publishFiles, {
    label: 'Publish…',
    caption: 'Publish the selected files with a DOI',
    icon: publishIcon,
    isVisible: () => files().length > 0,
    execute: async args => {
      const paths = (args.paths as string[] | undefined) ?? files().map(item => item.path);
      app.shell.activateById(panels.publish.id);
      await panels.publish.prepare(paths);
    }
  });

  app.commands.addCommand(CommandIDs.openDashboard, {
    label: 'Open as dashboard',
    caption: 'Render this notebook with Voilà in a new browser tab',
    icon: dashboardIcon,
    isVisible: () => selected().length === 1 && isNotebook(selected()[0]),
    execute: args => {
      const path = (args.path as string | undefined) ?? selected().filter(isNotebook)[0]?.path;
      if (path) {
        openDashboard(path);
      }
    }
  });

  const selector = '.jp-DirListing-item[data-isdir="false"]';
  app.contextMenu.addItem({ type: 'separator', selector, rank: 20 });
  app.contextMenu.addItem({ command: CommandIDs.upload, selector, rank: 20.1 });
  app.contextMenu.addItem({ command: CommandIDs.runWorkflow, selector, rank: 20.2 });
  app.contextMenu.addItem({ command: CommandIDs.publishFiles, selector, rank: 20.3 });
  app.contextMenu.addItem({ command: CommandIDs.openDashboard, selector, rank: 20.4 });
}

/** Ask scope and dataset, then upload with a progress notification. */
async function upload(paths: string[]): Promise<void> {
  const { scopes } = await api.listScopes();
  const scope = h('select', { class: 'jp-mod-styled', 'data-testid': 'upload-scope' }, scopes.map(s => h('option', { value: s }, s)));
  const dataset = h('input', { class: 'jp-mod-styled ovre-input', 'data-testid': 'upload-dataset', placeholder: 'dataset name (optional)' });
  const body = h('div', { class: 'ovre-form' },
    h('p', {}, paths.length === 1 ? paths[0] : `${paths.length} files`),
    h('label', {}, 'Scope', scope),
    h('label', {}, 'Add to dataset', dataset),
    h('div', { class: 'ovre-hint' }, 'The dataset is created if it does not exist. Leave empty to upload the files alone.'));
  const answer = await showDialog({
    title: 'Upload to the Data Lake',
    body: new Widget({ node: body }),
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Upload' })],
    focusNodeSelector: 'input'
  });
  if (!answer.button.accept) {
    return;
  }
  const id = Notification.emit(`Uploading ${paths.length} file${paths.length === 1 ? '' : 's'} to ${scope.value}…`, 'in-progress', { autoClose: false });
  try {
    const job = await api.uploadFiles(paths, scope.value, dataset.value.trim() || null, progress =>
      Notification.update({ id, message: `Uploading to ${scope.value}: ${jobProgressText(progress)}` }));
    const dids = job.result?.dids ?? [];
    Notification.update({ id, type: 'success', message: `Uploaded: ${dids.join(', ')}`, autoClose: 8000 });
  } catch (reason) {
    Notification.update({ id, type: 'error', message: `Upload failed: ${errorMessage(reason)}`, autoClose: false });
  }
}
