/**
 * openvre in JupyterLab: three sidebar panels (Data Lake, Workflows, Publish) sharing one login, file browser
 * commands, and "Add to notebook". Everything goes through openvre's Jupyter server extension (api.ts).
 */
import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { INotebookTracker } from '@jupyterlab/notebook';

import { setUnauthorizedHandler } from './api';
import { addCommands } from './commands';
import { DataPanel } from './dataPanel';
import { PublishPanel } from './publishPanel';
import { SessionModel } from './session';
import { WorkflowsPanel } from './workflowsPanel';

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'openvre:plugin',
  description: 'openvre: data lake, workflows and publishing behind one login.',
  autoStart: true,
  // Optional, so that inside Voilà (which loads every federated extension into dashboards, and where neither
  // exists) the plugin activates and does nothing instead of failing.
  optional: [IDefaultFileBrowser, INotebookTracker, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    browser: IDefaultFileBrowser | null,
    notebooks: INotebookTracker | null,
    restorer: ILayoutRestorer | null
  ) => {
    if (app.name === 'Voila' || !browser || !notebooks) {
      return;
    }
    const session = new SessionModel();
    setUnauthorizedHandler(() => session.expire());
    const data = new DataPanel(session, notebooks);
    const workflows = new WorkflowsPanel(session);
    const publish = new PublishPanel(session);
    workflows.onPublishRun = run => {
      app.shell.activateById(publish.id);
      void publish.prepare([], run);
    };
    [data, workflows, publish].forEach((panel, index) => {
      app.shell.add(panel, 'left', { rank: 700 + index * 10 });
      restorer?.add(panel, panel.id);
    });
    addCommands(app, browser, { session, workflows, publish, dataId: data.id });
    void session.refresh();
  }
};

export default plugin;
