/**
 * The Data Lake panel: search DIDs, see where their data is (live: availability polled every 0.5 s only for
 * rows that are still replicating), make them available, download them, add them to the current notebook.
 */
import { INotebookTracker } from '@jupyterlab/notebook';

import * as api from './api';
import { ProgressBar, errorMessage, formatBytes, formatDate, h, jobProgressText, replaceChildren } from './dom';
import { dataIcon } from './icons';
import { addToNotebook, reportError } from './notebook';
import { OpenvrePanel } from './panel';
import { SessionModel } from './session';

const POLL_MS = 500;
const STATE_WORDS: Record<string, string> = {
  available: 'available',
  replicating: 'replicating',
  stuck: 'stuck',
  not_available: 'not available',
  unknown: 'checking…',
  downloading: 'downloading'
};
/** States that change on their own: only these rows are polled. */
const MOVING = new Set(['replicating', 'unknown']);

interface Row {
  item: api.DidItem;
  node: HTMLElement;
  stateNode: HTMLElement;
  state: string;
  info: api.AvailabilityInfo | null;
}

export class DataPanel extends OpenvrePanel {
  private scope!: HTMLSelectElement;
  private type!: HTMLSelectElement;
  private search!: HTMLInputElement;
  private filters!: HTMLInputElement;
  private status!: HTMLElement;
  private results!: HTMLElement;
  private details!: HTMLElement;
  private rows = new Map<string, Row>();
  private selected: string | null = null;
  private timer: number | null = null;

  constructor(
    session: SessionModel,
    private readonly notebooks: INotebookTracker
  ) {
    super(session, 'openvre-data', 'Data Lake', dataIcon, 'Log in to search the data lake and use its data in notebooks.');
  }

  protected build(host: HTMLElement): void {
    this.scope = h('select', { class: 'jp-mod-styled', 'data-testid': 'data-scope', 'aria-label': 'Scope' },
      h('option', { value: '' }, 'all scopes'));
    this.type = h('select', { class: 'jp-mod-styled', 'data-testid': 'data-type', 'aria-label': 'Type' },
      ['all', 'dataset', 'container', 'file'].map(t => h('option', { value: t }, t === 'all' ? 'all types' : t)));
    this.search = h('input', {
      class: 'jp-mod-styled ovre-input', type: 'search', 'data-testid': 'data-search', 'aria-label': 'Search',
      placeholder: 'scope:name* or name* — Enter searches'
    });
    this.filters = h('input', {
      class: 'jp-mod-styled ovre-input', 'data-testid': 'data-filters', 'aria-label': 'Metadata filter',
      placeholder: 'metadata filter, e.g. run>=2012,type=csv'
    });
    const go = h('button', { class: 'jp-mod-styled jp-mod-accept ovre-button', 'data-testid': 'data-search-button' }, 'Search');
    for (const input of [this.search, this.filters]) {
      input.addEventListener('keydown', event => {
        if (event.key === 'Enter') {
          event.preventDefault();
          void this.runSearch();
        }
      });
    }
    go.addEventListener('click', () => void this.runSearch());
    this.type.addEventListener('change', () => this.search.value && void this.runSearch());
    this.scope.addEventListener('change', () => void this.runSearch());
    this.status = h('div', { class: 'ovre-status ovre-muted', 'aria-live': 'polite' }, 'Search by name; * matches anything.');
    this.results = h('div', { class: 'ovre-list', 'data-testid': 'data-results', role: 'list' });
    this.details = h('div', { class: 'ovre-details', hidden: true });
    host.append(
      h('div', { class: 'ovre-toolbar' }, h('div', { class: 'ovre-row' }, this.scope, this.type), h('div', { class: 'ovre-row' }, this.search, go), this.filters),
      this.status,
      this.results,
      this.details
    );
  }

  protected loggedIn(): void {
    void api
      .listScopes()
      .then(({ scopes }) => {
        const current = this.scope.value;
        replaceChildren(this.scope, h('option', { value: '' }, 'all scopes'), scopes.map(s => h('option', { value: s }, s)));
        this.scope.value = scopes.includes(current) ? current : '';
      })
      .catch(reason => this.showStatus(errorMessage(reason), true));
  }

  private showStatus(text: string, error = false): void {
    this.status.textContent = text;
    this.status.classList.toggle('ovre-error', error);
  }

  private query(): string {
    const text = this.search.value.trim();
    if (text.includes(':')) {
      return text;
    }
    const scope = this.scope.value;
    if (scope) {
      return `${scope}:${text || '*'}`;
    }
    return text || '*';
  }

  async runSearch(): Promise<void> {
    const q = this.query();
    this.showStatus(`Searching ${q}…`);
    try {
      const answer = await api.searchDids(q, this.type.value, this.filters.value.trim());
      this.rows.clear();
      replaceChildren(this.results, answer.items.map(item => this.renderRow(item)));
      const count = answer.items.length;
      this.showStatus(
        count === 0
          ? `Nothing matches ${q}. Try a wildcard such as ${q.endsWith('*') ? q : q + '*'}.`
          : `${count} result${count === 1 ? '' : 's'} for ${q} (${Math.round(answer.elapsed_ms)} ms).`
      );
      await this.refreshAvailability([...this.rows.keys()]);
    } catch (reason) {
      this.showStatus(errorMessage(reason), true);
    }
  }

  private renderRow(item: api.DidItem): HTMLElement {
    const stateNode = h('span', { class: 'ovre-state', 'data-testid': 'did-state', 'data-state': 'unknown' }, STATE_WORDS.unknown);
    const node = h(
      'div',
      { class: 'ovre-item ovre-did', role: 'listitem', tabindex: 0, 'data-testid': 'did-row', 'data-did': item.did, title: item.did },
      h('span', { class: 'ovre-name' }, item.did),
      h('span', { class: 'ovre-meta' },
        h('span', { class: `ovre-type ovre-type-${item.type.toLowerCase()}` }, item.type.toLowerCase()),
        h('span', { class: 'ovre-size' }, formatBytes(item.bytes) + (item.length ? ` · ${item.length} file${item.length === 1 ? '' : 's'}` : ''))),
      stateNode
    );
    const open = (): void => void this.select(item.did);
    node.addEventListener('click', open);
    node.addEventListener('keydown', event => event.key === 'Enter' && open());
    this.rows.set(item.did, { item, node, stateNode, state: 'unknown', info: null });
    return node;
  }

  private setRowState(row: Row, state: string, info: api.AvailabilityInfo | null): void {
    const changed = row.state !== state;
    row.state = state;
    row.info = info ?? row.info;
    row.stateNode.dataset.state = state;
    row.stateNode.className = `ovre-state ovre-state-${state}`;
    const partial =
      state === 'replicating' && row.info && row.info.files > 1 ? ` ${row.info.available_files}/${row.info.files}` : '';
    row.stateNode.textContent = (STATE_WORDS[state] ?? state) + partial;
    row.stateNode.title = row.info?.message ?? '';
    if (changed && this.selected === row.item.did) {
      this.renderActions();
    }
  }

  /** Ask for the availability of the given rows (≤ 200 per call), then keep polling those still moving. */
  private async refreshAvailability(dids: string[]): Promise<void> {
    let delay = POLL_MS;
    let settled = false;
    try {
      for (let start = 0; start < dids.length; start += 200) {
        const answer = await api.getAvailability(dids.slice(start, start + 200));
        for (const [did, info] of Object.entries(answer.items)) {
          const row = this.rows.get(did);
          if (row && row.state !== 'downloading') {
            const before = row.state;
            const wasMoving = MOVING.has(before);
            this.setRowState(row, info.state, info);
            settled ||= before === 'replicating' && !MOVING.has(info.state);
            if (wasMoving && !MOVING.has(info.state) && this.selected === did) {
              // The rule's "bringing the rest" is over: say how it ended instead of leaving it standing.
              this.say(`${STATE_WORDS[info.state] ?? info.state}: ${info.message}`, info.state === 'stuck');
              void this.loadDetailsBody(did);
            }
          }
        }
      }
    } catch (reason) {
      // Rows keep "checking…" and are asked again, less often, until the lake answers.
      this.showStatus(`Availability unknown: ${errorMessage(reason)}`, true);
      delay = 5000;
    }
    if (settled) {
      // A transfer that ended changes the rows around it too (a dataset's files, a file's datasets): ask once.
      this.refreshOthers(dids);
    }
    this.schedulePoll(delay);
  }

  /** One availability check of every row not in ``skip``, e.g. after a rule was made or a transfer ended. */
  private refreshOthers(skip: string[]): void {
    const others = [...this.rows.keys()].filter(did => !skip.includes(did) && this.rows.get(did)?.state !== 'downloading');
    if (others.length) {
      void this.refreshAvailability(others);
    }
  }

  private schedulePoll(delay = POLL_MS): void {
    if (this.timer !== null) {
      return;
    }
    const moving = (): string[] => [...this.rows.values()].filter(row => MOVING.has(row.state)).map(row => row.item.did);
    if (moving().length === 0 || !this.session.loggedIn) {
      return;
    }
    this.timer = window.setTimeout(() => {
      this.timer = null;
      void this.refreshAvailability(moving());
    }, delay);
  }

  // Details

  private actions: HTMLElement | null = null;
  private lifetime: HTMLInputElement | null = null;
  private lifetimeHint: HTMLElement | null = null;
  private downloadBar: ProgressBar | null = null;
  private actionMessage: HTMLElement | null = null;

  private async select(did: string): Promise<void> {
    this.selected = did;
    for (const row of this.rows.values()) {
      row.node.classList.toggle('jp-mod-selected', row.item.did === did);
    }
    await this.loadDetails(did);
  }

  private async loadDetails(did: string): Promise<void> {
    const row = this.rows.get(did);
    this.details.hidden = false;
    this.lifetime = h('input', {
      class: 'jp-mod-styled ovre-input ovre-lifetime', type: 'number', min: 60, step: 60, 'data-testid': 'lifetime',
      'aria-label': 'Lifetime in seconds', placeholder: 'lifetime (s); empty: keep'
    });
    const lifetimeHint = h('span', { class: 'ovre-hint' });
    this.lifetime.addEventListener('input', () => {
      lifetimeHint.textContent = describeSeconds(Number(this.lifetime?.value));
    });
    this.lifetimeHint = lifetimeHint;
    this.actions = h('div', { class: 'ovre-actions' });
    this.actionMessage = h('div', { class: 'ovre-status', 'aria-live': 'polite' });
    this.downloadBar = new ProgressBar('download-progress');
    this.downloadBar.node.hidden = true;
    const body = h('div', { class: 'ovre-muted' }, 'Loading…');
    replaceChildren(
      this.details,
      h('div', { class: 'ovre-details-title' }, h('strong', {}, did), h('span', { class: 'ovre-type' }, row?.item.type ?? '')),
      this.actions,
      this.actionMessage,
      this.downloadBar.node,
      body
    );
    this.renderActions();
    try {
      const details = await api.getDid(did);
      if (this.selected !== did) {
        return;
      }
      replaceChildren(body, this.renderDetails(details));
    } catch (reason) {
      replaceChildren(body, h('div', { class: 'ovre-error' }, errorMessage(reason)));
    }
  }

  private renderActions(): void {
    const did = this.selected;
    if (!did || !this.actions || !this.lifetime) {
      return;
    }
    const row = this.rows.get(did);
    const state = row?.state ?? 'unknown';
    const type = row?.item.type ?? 'file';
    const makeAvailable = h('button', {
      class: 'jp-mod-styled jp-mod-accept ovre-button', 'data-testid': 'make-available',
      disabled: state === 'available' || state === 'replicating',
      title: 'Create a rule that replicates the data to your storage element'
    }, state === 'replicating' ? 'Replicating…' : state === 'available' ? 'Available' : 'Make available');
    makeAvailable.addEventListener('click', () => void this.makeAvailable(did));
    const download = h('button', { class: 'jp-mod-styled ovre-button', 'data-testid': 'download', disabled: state === 'downloading',
      title: 'Copy the files into data/<scope>/<name>/ in your Jupyter folder' }, 'Download');
    download.addEventListener('click', () => void this.download(did));
    const attach = h('button', { class: 'jp-mod-styled ovre-button', 'data-testid': 'add-to-notebook',
      title: 'Bind the data to a variable in the current notebook' }, 'Add to notebook');
    attach.addEventListener('click', () => {
      addToNotebook(this.notebooks, did, type.toLowerCase()).catch(reason => reportError('Add to notebook failed', reason));
    });
    const current = row ? h('span', { class: `ovre-state ovre-state-${state}`, 'data-testid': 'did-detail-state', 'data-state': state },
      (STATE_WORDS[state] ?? state) + (row.info?.message ? ` — ${row.info.message}` : '')) : null;
    replaceChildren(this.actions,
      h('div', { class: 'ovre-row' }, current),
      h('div', { class: 'ovre-row' }, this.lifetime, makeAvailable),
      this.lifetimeHint,
      h('div', { class: 'ovre-row' }, download, attach));
  }

  private async makeAvailable(did: string): Promise<void> {
    const raw = this.lifetime?.value.trim() ?? '';
    const lifetime = raw ? Number(raw) : null;
    if (lifetime !== null && (!Number.isFinite(lifetime) || lifetime <= 0)) {
      this.say('The lifetime is a number of seconds (e.g. 86400 for a day), or empty to keep the replica.', true);
      return;
    }
    try {
      const answer = await api.makeAvailable(did, lifetime);
      const row = this.rows.get(did);
      if (row) {
        this.setRowState(row, answer.availability.state, answer.availability);
      }
      this.say(`Rule ${answer.rule_id.slice(0, 8)}… created: ${answer.availability.message || STATE_WORDS[answer.availability.state]}`);
      this.schedulePoll();
      this.refreshOthers([did]);
      void this.loadDetailsBody(did);
    } catch (reason) {
      this.say(errorMessage(reason), true);
    }
  }

  private async loadDetailsBody(did: string): Promise<void> {
    // Refresh the details (rules, replicas) without losing the action messages.
    try {
      const details = await api.getDid(did);
      const body = this.details.lastElementChild;
      if (this.selected === did && body) {
        replaceChildren(body as HTMLElement, this.renderDetails(details));
      }
    } catch {
      // The next selection shows the error.
    }
  }

  private async download(did: string): Promise<void> {
    const row = this.rows.get(did);
    const before = row?.state ?? 'unknown';
    const bar = this.downloadBar;
    if (row) {
      this.setRowState(row, 'downloading', null);
    }
    if (bar) {
      bar.node.hidden = false;
      bar.set(0, 0, 'Starting download…');
    }
    try {
      const job = await api.downloadDid(did, progress => bar?.set(progress.done, progress.total, jobProgressText(progress)));
      const paths = job.result?.paths ?? [];
      const folder = paths.length ? paths[0].split('/').slice(0, -1).join('/') : 'data/';
      bar?.set(1, 1, `Downloaded ${paths.length} file${paths.length === 1 ? '' : 's'} to ${folder}`);
      this.say(`Downloaded to ${folder} (see the file browser).`);
    } catch (reason) {
      this.say(`Download failed: ${errorMessage(reason)}`, true);
      if (bar) {
        bar.node.hidden = true;
      }
    } finally {
      if (row && row.state === 'downloading') {
        this.setRowState(row, before, null);
        void this.refreshAvailability([did]);
      }
    }
  }

  private say(text: string, error = false): void {
    if (this.actionMessage) {
      this.actionMessage.textContent = text;
      this.actionMessage.classList.toggle('ovre-error', error);
    }
  }

  private renderDetails(details: api.DidDetails): HTMLElement {
    const short = (did: string): HTMLElement => h('span', { title: did }, did.slice(did.indexOf(':') + 1));
    const meta = Object.entries(details.metadata ?? {}).filter(([, v]) => v !== null && v !== undefined && v !== '');
    const section = (title: string, ...content: (Node | null)[]): HTMLElement =>
      h('details', { class: 'ovre-section', open: title.startsWith('Metadata') ? meta.length <= 6 : true }, h('summary', {}, title), ...content);
    const table = (head: string[], rows: (string | Node)[][]): HTMLElement =>
      h('table', { class: 'ovre-table' }, h('thead', {}, h('tr', {}, head.map(c => h('th', {}, c)))),
        h('tbody', {}, rows.map(r => h('tr', {}, r.map(c => h('td', {}, c))))));
    const summary = `${details.type.toLowerCase()} · ${formatBytes(details.bytes)}` +
      (details.length !== null && details.length !== undefined ? ` · ${details.length} file${details.length === 1 ? '' : 's'}` : '');
    return h(
      'div',
      { 'data-testid': 'did-details' },
      h('div', { class: 'ovre-muted' }, summary),
      section(`Metadata (${meta.length})`, meta.length ? table(['key', 'value'], meta.map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)])) : h('div', { class: 'ovre-muted' }, 'No metadata.')),
      details.content.length
        ? section(`Content (${details.content.length})`, table(['DID', 'type', 'size'], details.content.map(c => [short(c.did), c.type.toLowerCase(), formatBytes(c.bytes)])))
        : null,
      section(`Replicas (${details.replicas.length})`,
        details.replicas.length
          ? table(['file', 'size', 'replicas per RSE'], details.replicas.map(r => [
              short(r.did), formatBytes(r.bytes),
              h('span', {}, Object.entries(r.rses).map(([rse, state]) => h('span', { class: `ovre-rse ovre-rse-${state.toLowerCase()}`, title: state }, `${rse}: ${state.toLowerCase()}`)))
            ]))
          : h('div', { class: 'ovre-muted' }, 'No replicas.')),
      section(`Rules (${details.rules.length})`,
        details.rules.length
          ? table(['RSE', 'state', 'locks ok/repl./stuck', 'expires'], details.rules.map(r => [
              r.rse_expression, r.state.toLowerCase(), `${r.locks_ok_cnt}/${r.locks_replicating_cnt}/${r.locks_stuck_cnt}`, r.expires_at ? formatDate(r.expires_at) : 'never'
            ]))
          : h('div', { class: 'ovre-muted' }, 'No rules.'))
    );
  }
}

/** 90000 → "the replica is kept 1 day 1 h"; empty → kept until removed. */
function describeSeconds(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) {
    return 'Empty: the replica is kept until you remove the rule.';
  }
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const parts = [days ? `${days} d` : '', hours ? `${hours} h` : '', !days && minutes ? `${minutes} min` : ''].filter(Boolean);
  return `The replica is kept ${parts.join(' ') || `${seconds} s`}.`;
}
