/**
 * The Workflows panel: runs with status filter, search, sort and pages; a run's step graph, live logs per step,
 * workspace files (downloaded into the Jupyter folder), restart / stop / delete, and "Publish this run".
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import * as api from './api';
import { ProgressBar, errorMessage, formatBytes, formatDate, h, jobProgressText, replaceChildren } from './dom';
import { renderGraph } from './graph';
import { workflowIcon } from './icons';
import { OpenvrePanel } from './panel';
import { SessionModel } from './session';

const PAGE_SIZE = 15;
const FINAL = new Set(['finished', 'failed', 'stopped', 'deleted']);
const STATUSES = ['created', 'queued', 'pending', 'running', 'finished', 'failed', 'stopped'];

export class WorkflowsPanel extends OpenvrePanel {
  /** Set by the plugin: opens the Publish panel for a finished run. */
  onPublishRun: (workflow: string) => void = () => undefined;

  private statusFilter!: HTMLSelectElement;
  private search!: HTMLInputElement;
  private sort!: HTMLSelectElement;
  private list!: HTMLElement;
  private pager!: HTMLElement;
  private notice!: HTMLElement;
  private details!: HTMLElement;
  private page = 1;
  private selected: string | null = null;
  private listTimer: number | null = null;
  private detailsTimer: number | null = null;
  private closedLogs = new Set<string>();
  private runningShown = false;

  constructor(session: SessionModel) {
    super(session, 'openvre-workflows', 'Workflows', workflowIcon, 'Log in to run and follow workflows.');
  }

  protected build(host: HTMLElement): void {
    this.statusFilter = h('select', { class: 'jp-mod-styled', 'data-testid': 'workflow-status-filter', 'aria-label': 'Status' },
      h('option', { value: '' }, 'all runs'), STATUSES.map(s => h('option', { value: s }, s)));
    this.search = h('input', { class: 'jp-mod-styled ovre-input', type: 'search', 'data-testid': 'workflow-search', 'aria-label': 'Search runs', placeholder: 'search by name' });
    this.sort = h('select', { class: 'jp-mod-styled', 'data-testid': 'workflow-sort', 'aria-label': 'Sort' },
      h('option', { value: 'desc' }, 'newest'), h('option', { value: 'asc' }, 'oldest'));
    const refresh = h('button', { class: 'jp-mod-styled ovre-button', title: 'Refresh', 'data-testid': 'workflow-refresh' }, '↻');
    const reload = (): void => {
      this.page = 1;
      void this.loadList();
    };
    this.statusFilter.addEventListener('change', reload);
    this.sort.addEventListener('change', reload);
    this.search.addEventListener('keydown', event => event.key === 'Enter' && reload());
    this.search.addEventListener('search', reload);
    let typing: number | null = null;
    this.search.addEventListener('input', () => {
      if (typing !== null) {
        window.clearTimeout(typing);
      }
      typing = window.setTimeout(reload, 300);
    });
    refresh.addEventListener('click', () => void this.loadList());
    this.notice = h('div', { class: 'ovre-status', 'aria-live': 'polite' });
    this.list = h('div', { class: 'ovre-list', role: 'list', 'data-testid': 'workflow-list' });
    this.pager = h('div', { class: 'ovre-pager' });
    this.details = h('div', { class: 'ovre-details', hidden: true, 'data-testid': 'workflow-details' });
    host.append(
      h('div', { class: 'ovre-toolbar' }, h('div', { class: 'ovre-row' }, this.statusFilter, this.sort), h('div', { class: 'ovre-row' }, this.search, refresh)),
      this.notice,
      this.list,
      this.pager,
      this.details
    );
  }

  protected loggedIn(): void {
    void this.loadList();
    if (this.selected) {
      void this.loadDetails(this.selected);
    }
  }

  private say(text: string, error = false): void {
    this.notice.textContent = text;
    this.notice.classList.toggle('ovre-error', error);
  }

  async loadList(): Promise<void> {
    if (this.listTimer !== null) {
      window.clearTimeout(this.listTimer);
      this.listTimer = null;
    }
    if (!this.session.loggedIn) {
      return;
    }
    try {
      const answer = await api.listWorkflows({
        status: this.statusFilter.value, search: this.search.value.trim(), sort: this.sort.value, page: this.page, size: PAGE_SIZE
      });
      replaceChildren(this.list, answer.items.length ? answer.items.map(w => this.renderRow(w)) :
        h('div', { class: 'ovre-muted ovre-empty' }, this.search.value || this.statusFilter.value ? 'No run matches.' : 'No runs yet. Right-click a reana.yaml in the file browser and choose "Run as workflow".'));
      this.renderPager(answer.total);
      if (answer.items.some(w => !FINAL.has(w.status))) {
        this.listTimer = window.setTimeout(() => void this.loadList(), 2000);
      }
    } catch (reason) {
      this.say(errorMessage(reason), true);
    }
  }

  private renderRow(w: api.WorkflowSummary): HTMLElement {
    const id = `${w.name}.${w.run_number}`;
    const node = h('div', {
      class: 'ovre-item' + (this.selected === id ? ' jp-mod-selected' : ''), role: 'listitem', tabindex: 0,
      'data-testid': 'workflow-row', 'data-workflow': id, 'data-status': w.status
    },
      h('span', { class: 'ovre-name' }, id),
      h('span', { class: 'ovre-size' }, w.progress.total ? `${w.progress.finished}/${w.progress.total}` : ''),
      h('span', { class: `ovre-badge ovre-status-${w.status}` }, w.status),
      h('span', { class: 'ovre-muted ovre-date' }, formatDate(w.created)));
    const open = (): void => void this.open(id);
    node.addEventListener('click', open);
    node.addEventListener('keydown', event => event.key === 'Enter' && open());
    return node;
  }

  private renderPager(total: number): void {
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    const previous = h('button', { class: 'jp-mod-styled ovre-button', disabled: this.page <= 1, 'aria-label': 'Previous page' }, '‹');
    const next = h('button', { class: 'jp-mod-styled ovre-button', disabled: this.page >= pages, 'aria-label': 'Next page' }, '›');
    previous.addEventListener('click', () => { this.page -= 1; void this.loadList(); });
    next.addEventListener('click', () => { this.page += 1; void this.loadList(); });
    replaceChildren(this.pager, previous, h('span', { class: 'ovre-muted' }, `page ${this.page} of ${pages} · ${total} run${total === 1 ? '' : 's'}`), next);
  }

  /** Show a run's details (and keep them live while it runs). */
  async open(workflow: string): Promise<void> {
    this.selected = workflow;
    this.closedLogs.clear();
    for (const row of this.list.querySelectorAll<HTMLElement>('[data-testid=workflow-row]')) {
      row.classList.toggle('jp-mod-selected', row.dataset.workflow === workflow);
    }
    replaceChildren(this.details, h('div', { class: 'ovre-muted' }, `Loading ${workflow}…`));
    this.details.hidden = false;
    await this.loadDetails(workflow);
  }

  private async loadDetails(workflow: string): Promise<void> {
    if (this.detailsTimer !== null) {
      window.clearTimeout(this.detailsTimer);
      this.detailsTimer = null;
    }
    try {
      const [details, logs, files] = await Promise.all([
        api.getWorkflow(workflow), api.getWorkflowLogs(workflow), api.getWorkflowFiles(workflow).catch(() => ({ files: [] as api.WorkspaceFile[] }))
      ]);
      if (this.selected !== workflow) {
        return;
      }
      const wasRunning = this.runningShown;
      this.runningShown = !FINAL.has(details.status);
      this.renderDetails(details, logs, files.files);
      if (this.runningShown) {
        this.detailsTimer = window.setTimeout(() => void this.loadDetails(workflow), 1000);
      } else if (wasRunning) {
        void this.loadList(); // the row shows the final status at once, not at the list's next poll
      }
    } catch (reason) {
      if (this.selected === workflow) {
        replaceChildren(this.details, h('div', { class: 'ovre-error' }, errorMessage(reason)));
      }
    }
  }

  private button(label: string, testid: string, action: () => Promise<void>, options: { accept?: boolean; warn?: boolean; disabled?: boolean } = {}): HTMLButtonElement {
    const cls = 'jp-mod-styled ovre-button' + (options.accept ? ' jp-mod-accept' : '') + (options.warn ? ' jp-mod-warn' : '');
    const node = h('button', { class: cls, 'data-testid': testid, disabled: options.disabled });
    node.textContent = label;
    node.addEventListener('click', () => {
      node.disabled = true;
      action().catch(reason => this.say(errorMessage(reason), true)).finally(() => { node.disabled = false; });
    });
    return node;
  }

  private renderDetails(details: api.WorkflowDetails, logs: { workflow_log: string; steps: api.StepLog[] }, files: api.WorkspaceFile[]): void {
    const id = `${details.name}.${details.run_number}`;
    const running = !FINAL.has(details.status);
    // Keep the scroll position of open logs across live refreshes.
    for (const node of this.details.querySelectorAll<HTMLDetailsElement>('details[data-step]')) {
      if (node.open) {
        this.closedLogs.delete(node.dataset.step!);
      } else {
        this.closedLogs.add(node.dataset.step!);
      }
    }
    const actions = h('div', { class: 'ovre-actions ovre-row' },
      this.button('Restart', 'restart', async () => {
        await api.restartWorkflow(id);
        this.say(`${id} restarted.`);
        await this.loadList();
        await this.loadDetails(id);
      }, { disabled: running }),
      this.button('Stop', 'stop', async () => {
        await api.stopWorkflow(id);
        this.say(`${id} is stopping.`);
        await this.loadDetails(id);
      }, { disabled: !running }),
      this.button('Delete', 'delete', async () => {
        const answer = await showDialog({ title: `Delete ${id}?`, body: 'The run and its workspace files are deleted. This cannot be undone.', buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Delete' })] });
        if (!answer.button.accept) {
          return;
        }
        await api.deleteWorkflow(id);
        this.selected = null;
        this.details.hidden = true;
        this.say(`${id} deleted.`);
        await this.loadList();
      }, { warn: true }),
      details.status === 'finished' ? this.button('Publish this run', 'publish-run', async () => this.onPublishRun(id), { accept: true }) : null);
    const times = `${details.workflow_type} · created ${formatDate(details.created)}` + (details.started ? ` · started ${formatDate(details.started)}` : '') + (details.ended ? ` · ended ${formatDate(details.ended)}` : '');
    const graph = details.graph.nodes.length ? renderGraph(details.graph.nodes, details.graph.edges) : h('div', { class: 'ovre-muted', 'data-testid': 'workflow-graph' }, 'No steps yet.');
    const steps = logs.steps.map(step => {
      const pre = h('pre', { class: 'ovre-log', 'data-testid': 'step-log', 'data-step': step.id });
      pre.textContent = step.logs || (step.status === 'running' ? '(no output yet)' : '(no output)');
      // Open unless the user closed it (remembered across the live refreshes).
      const open = !this.closedLogs.has(step.id);
      return h('details', { class: 'ovre-section', open, 'data-step': step.id },
        h('summary', {}, h('span', { class: `ovre-badge ovre-status-${step.status}` }, step.status), ' ', step.name), pre);
    });
    const fileRows = files.map(file => {
      const download = h('button', { class: 'ovre-link', 'data-testid': 'download', title: `Copy ${file.name} into results/${id}/` }, 'download');
      download.addEventListener('click', () => void this.download(id, [file.name], download));
      return h('tr', { 'data-testid': 'workflow-files', 'data-file': file.name }, h('td', {}, file.name), h('td', { class: 'ovre-nowrap' }, formatBytes(file.size)), h('td', { class: 'ovre-nowrap' }, download));
    });
    const all = h('button', { class: 'jp-mod-styled ovre-button', 'data-testid': 'download-all' }, 'Download all outputs');
    all.addEventListener('click', () => void this.download(id, null, all));
    this.progress = new ProgressBar('workflow-download-progress');
    this.progress.node.hidden = true;
    const workflowLog = logs.workflow_log ? h('details', { class: 'ovre-section' }, h('summary', {}, 'Workflow log'), h('pre', { class: 'ovre-log' }, logs.workflow_log)) : null;
    replaceChildren(this.details,
      h('div', { class: 'ovre-details-title' }, h('strong', {}, id), h('span', { class: `ovre-badge ovre-status-${details.status}`, 'data-testid': 'workflow-status' }, details.status),
        h('span', { class: 'ovre-muted' }, details.progress.total ? `${details.progress.finished}/${details.progress.total} steps` : '')),
      h('div', { class: 'ovre-muted' }, times),
      actions,
      h('div', { class: 'ovre-graph-host' }, graph),
      h('h4', {}, 'Steps'),
      steps.length ? steps : h('div', { class: 'ovre-muted' }, 'No step has started yet.'),
      workflowLog,
      h('h4', {}, `Workspace files (${files.length})`),
      files.length ? h('table', { class: 'ovre-table' }, h('tbody', {}, fileRows)) : h('div', { class: 'ovre-muted' }, 'No files yet.'),
      files.length ? all : null,
      this.progress.node);
  }

  private progress: ProgressBar | null = null;

  private async download(workflow: string, names: string[] | null, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    const bar = this.progress;
    if (bar) {
      bar.node.hidden = false;
      bar.set(0, 0, 'Starting download…');
    }
    try {
      const job = await api.downloadWorkflowFiles(workflow, names, progress => bar?.set(progress.done, progress.total, jobProgressText(progress)));
      const count = job.result?.paths.length ?? 0;
      bar?.set(1, 1, `Downloaded ${count} file${count === 1 ? '' : 's'} to results/${workflow}/`);
    } catch (reason) {
      this.say(`Download failed: ${errorMessage(reason)}`, true);
    } finally {
      button.disabled = false;
    }
  }

  /** "Run as workflow": validate, show problems with their line and fix, else submit and open the run. */
  async runFile(path: string, openFile: (path: string) => void): Promise<void> {
    this.say(`Checking ${path}…`);
    const validation = await api.validateWorkflow(path);
    if (!validation.valid) {
      this.say(`${path} has ${validation.problems.length} problem${validation.problems.length === 1 ? '' : 's'}; nothing was submitted.`, true);
      await showProblems(path, validation.problems, openFile);
      return;
    }
    const bar = new ProgressBar('workflow-submit-progress');
    replaceChildren(this.notice, `Submitting ${path} (${validation.workflow_type ?? 'workflow'})…`, bar.node);
    this.notice.classList.remove('ovre-error');
    try {
      const job = await api.submitWorkflow(path, progress => bar.set(progress.done, progress.total, jobProgressText(progress)));
      const workflow = job.result?.workflow;
      this.say(workflow ? `${workflow} started.` : 'Workflow started.');
      await this.loadList();
      if (workflow) {
        await this.open(workflow);
      }
    } catch (reason) {
      if (reason instanceof api.ApiError && reason.problems.length) {
        this.say(`${path} has problems; nothing was submitted.`, true);
        await showProblems(path, reason.problems, openFile);
      } else {
        this.say(`Submitting ${path} failed: ${errorMessage(reason)}`, true);
      }
    }
  }
}

async function showProblems(path: string, problems: api.SpecProblem[], openFile: (path: string) => void): Promise<void> {
  const body = h('div', { class: 'ovre-problems', 'data-testid': 'workflow-problems' },
    h('p', {}, `Fix these in ${path}, then run it again:`),
    h('table', { class: 'ovre-table' },
      h('thead', {}, h('tr', {}, h('th', {}, 'line'), h('th', {}, 'problem'), h('th', {}, 'fix'))),
      h('tbody', {}, problems.map(p => h('tr', { 'data-testid': 'workflow-problem', 'data-line': p.line ?? '' },
        h('td', { class: 'ovre-line' }, p.line === null ? '—' : String(p.line)), h('td', {}, p.message), h('td', {}, p.fix))))));
  const answer = await showDialog({
    title: `${path} is not a valid workflow`,
    body: new Widget({ node: body }),
    buttons: [Dialog.cancelButton({ label: 'Close' }), Dialog.okButton({ label: 'Open the file' })]
  });
  if (answer.button.accept) {
    openFile(path);
  }
}
