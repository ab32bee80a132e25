/**
 * "Add to notebook": the DID is recorded in the notebook's metadata (`metadata.openvre.attachments`, so a saved
 * notebook says which data it reads) and bound to a variable in its kernel through openvre's IPython extension.
 */
import { Dialog, InputDialog, Notification, showDialog } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';

import * as api from './api';
import { errorMessage } from './dom';

export interface Attachment {
  did: string;
  variable: string;
  type: string;
}

/** "user.demo:dimuon-2012.csv" → "dimuon_2012_csv". */
export function variableNameFor(did: string): string {
  const name = did.includes(':') ? did.slice(did.indexOf(':') + 1) : did;
  let variable = name.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  if (!variable || /^[0-9]/.test(variable)) {
    variable = `data_${variable}`;
  }
  return variable;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const pyString = (value: string): string => JSON.stringify(value);

/** The kernel code of the contract: paths only, never a token. */
export function injectionCode(variable: string, did: string, paths: string[], state: string, type: string): string {
  return (
    'import openvre.jupyter.kernel as _ovre; ' +
    `_ovre.inject(${pyString(variable)}, ${pyString(did)}, [${paths.map(pyString).join(', ')}], ${pyString(state)}, ` +
    `did_type=${pyString(type)})`
  );
}

export async function addToNotebook(tracker: INotebookTracker, did: string, type: string): Promise<string | null> {
  const panel = tracker.currentWidget;
  if (!panel || !panel.model) {
    await showDialog({
      title: 'No notebook open',
      body: `Open (or click into) a notebook first, then choose "Add to notebook" again to use ${did} in it.`,
      buttons: [Dialog.okButton()]
    });
    return null;
  }
  const answer = await InputDialog.getText({
    title: `Add ${did} to ${panel.context.path.split('/').pop()}`,
    label: 'Variable name (it will hold the local path(s) of the data)',
    text: variableNameFor(did)
  });
  if (!answer.button.accept || answer.value === null) {
    return null;
  }
  const variable = answer.value.trim();
  if (!IDENTIFIER.test(variable)) {
    await showDialog({
      title: 'Not a Python variable name',
      body: `"${variable}" is not a valid Python name: use letters, digits and _, not starting with a digit.`,
      buttons: [Dialog.okButton()]
    });
    return null;
  }
  const located = await api.getPaths(did);

  const model = panel.model;
  const existing = (model.getMetadata('openvre') ?? {}) as { attachments?: Attachment[] };
  const attachments = (existing.attachments ?? []).filter(item => item.variable !== variable);
  attachments.push({ did, variable, type });
  model.setMetadata('openvre', { ...existing, attachments });
  // Saved at once, so a kernel started later injects it too (it reads the notebook file).
  void panel.context.save().catch(reason => console.warn('openvre: saving the notebook failed', reason));

  const kernel = panel.sessionContext.session?.kernel;
  if (!kernel) {
    Notification.info(`${variable} will be set to ${did} when the notebook's kernel starts.`, { autoClose: 5000 });
    return variable;
  }
  const future = kernel.requestExecute(
    { code: injectionCode(variable, did, located.paths, located.state, type), silent: true, store_history: false },
    true
  );
  let failure: string | null = null;
  future.onIOPub = message => {
    if (message.header.msg_type === 'error') {
      const content = message.content as { ename?: string; evalue?: string };
      failure = `${content.ename ?? 'Error'}: ${content.evalue ?? ''}`;
    }
  };
  const reply = await future.done;
  if (reply.content.status !== 'ok' || failure) {
    throw new Error(`The kernel could not set ${variable}: ${failure ?? reply.content.status}`);
  }
  const ready =
    located.state === 'available'
      ? `${variable} holds ${located.paths.length} local path${located.paths.length === 1 ? '' : 's'}.`
      : `${variable} is a placeholder until the data is available (now: ${located.state.replace('_', ' ')}).`;
  Notification.success(`Added ${did} to the notebook. ${ready}`, { autoClose: 5000 });
  return variable;
}

export function reportError(title: string, reason: unknown): void {
  Notification.error(`${title}: ${errorMessage(reason)}`, { autoClose: 8000 });
}
