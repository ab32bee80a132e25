/**
 * The Publish panel: files chosen in the file browser (or a finished run), metadata prefilled from codemeta.json,
 * field errors under their field, upload progress, then the DOI with a copy button and the landing page;
 * search published records and import their files into the workspace.
 */
import { Clipboard } from '@jupyterlab/apputils';

import * as api from './api';
import { ProgressBar, errorMessage, formatBytes, h, jobProgressText, replaceChildren } from './dom';
import { publishIcon } from './icons';
import { OpenvrePanel } from './panel';
import { SessionModel } from './session';

const UPLOAD_TYPES = ['dataset', 'software', 'publication', 'poster', 'presentation', 'image', 'video', 'lesson', 'physicalobject', 'other'];
const RECORDS_PAGE = 10;

type FieldName = 'title' | 'upload_type' | 'description' | 'creators' | 'keywords' | 'license';

/** "Doe, Jane; CERN; 0000-0002-1825-0097" per line ↔ creators. */
export function parseCreators(text: string): api.Creator[] {
  return text
    .split('\n')
    .map(line => line.trim())
    .filter(Boolean)
    .map(line => {
      const [name, affiliation, orcid] = line.split(';').map(part => part.trim());
      const creator: api.Creator = { name };
      if (affiliation) {
        creator.affiliation = affiliation;
      }
      if (orcid) {
        creator.orcid = orcid;
      }
      return creator;
    });
}

export function formatCreators(creators: api.Creator[] | undefined): string {
  return (creators ?? []).map(c => [c.name, c.affiliation ?? '', c.orcid ?? ''].join('; ').replace(/(; )+$/, '')).join('\n');
}

export class PublishPanel extends OpenvrePanel {
  private files: string[] = [];
  private run: string | null = null;
  private filesList!: HTMLElement;
  private source!: HTMLElement;
  private inputs!: Record<FieldName, HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>;
  private errors!: Record<FieldName, HTMLElement>;
  private generalError!: HTMLElement;
  private publishNow!: HTMLInputElement;
  private publishNowLabel!: HTMLElement;
  private submit!: HTMLButtonElement;
  private progress!: ProgressBar;
  private result!: HTMLElement;
  private recordsSearch!: HTMLInputElement;
  private community!: HTMLSelectElement;
  private records!: HTMLElement;
  private recordsPage = 1;
  private pending: { files: string[]; run: string | null } | null = null;

  constructor(session: SessionModel) {
    super(session, 'openvre-publish', 'Publish', publishIcon, 'Log in to publish files and runs with a DOI.');
  }

  protected build(host: HTMLElement): void {
    this.filesList = h('ul', { class: 'ovre-files', 'data-testid': 'publish-files' });
    this.source = h('div', { class: 'ovre-muted' });
    const field = (name: FieldName, label: string, input: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, hint?: string): HTMLElement => {
      input.id = `ovre-meta-${name}`;
      input.setAttribute('data-testid', `meta-${name.replace('_', '-')}`);
      input.setAttribute('name', name);
      // Holds a [data-testid=field-error] only while the field has a problem, so tests can count them.
      const error = h('div', { class: 'ovre-field-errors', 'data-field': name, role: 'alert' });
      this.errors[name] = error;
      this.inputs[name] = input;
      input.addEventListener('input', () => {
        replaceChildren(error);
        input.classList.remove('ovre-invalid');
      });
      return h('div', { class: 'ovre-field' }, h('label', { for: input.id }, label), input, hint ? h('div', { class: 'ovre-hint' }, hint) : null, error);
    };
    this.inputs = {} as typeof this.inputs;
    this.errors = {} as typeof this.errors;
    const form = h('form', { class: 'ovre-form', 'data-testid': 'publish-form' },
      field('title', 'Title', h('input', { class: 'jp-mod-styled ovre-input' })),
      field('upload_type', 'Type', h('select', { class: 'jp-mod-styled' }, UPLOAD_TYPES.map(t => h('option', { value: t }, t)))),
      field('description', 'Description', h('textarea', { class: 'jp-mod-styled ovre-input', rows: 4 })),
      field('creators', 'Creators', h('textarea', { class: 'jp-mod-styled ovre-input', rows: 3, placeholder: 'Family, Given; Affiliation; ORCID iD' }), 'One per line: name; affiliation; ORCID iD (the last two optional).'),
      field('keywords', 'Keywords', h('input', { class: 'jp-mod-styled ovre-input', placeholder: 'comma separated' })),
      field('license', 'License', h('input', { class: 'jp-mod-styled ovre-input', value: 'cc-by-4.0' }), 'An SPDX id such as cc-by-4.0, mit, apache-2.0.')
    );
    this.publishNow = h('input', { type: 'checkbox', checked: true, 'data-testid': 'publish-now' });
    this.generalError = h('div', { class: 'ovre-error', role: 'alert', hidden: true });
    this.submit = h('button', { class: 'jp-mod-styled jp-mod-accept ovre-button', type: 'submit', 'data-testid': 'publish-submit' }, 'Publish');
    this.progress = new ProgressBar('publish-progress');
    this.progress.node.hidden = true;
    this.result = h('div', { class: 'ovre-result', 'aria-live': 'polite' });
    this.publishNowLabel = h('label', { class: 'ovre-check' }, this.publishNow, ' Publish now and get a DOI (unticked: keep a draft)');
    form.append(this.publishNowLabel, this.generalError, this.submit, this.progress.node, this.result);
    form.addEventListener('submit', event => {
      event.preventDefault();
      void this.publish();
    });

    this.recordsSearch = h('input', { class: 'jp-mod-styled ovre-input', type: 'search', 'data-testid': 'records-search', placeholder: 'search published records — Enter', 'aria-label': 'Search records' });
    this.community = h('select', { class: 'jp-mod-styled', 'data-testid': 'records-community', 'aria-label': 'Community' }, h('option', { value: '' }, 'all communities'));
    this.records = h('div', { class: 'ovre-list', role: 'list', 'data-testid': 'records' });
    this.recordsSearch.addEventListener('keydown', event => {
      if (event.key === 'Enter') {
        this.recordsPage = 1;
        void this.searchRecords();
      }
    });
    this.community.addEventListener('change', () => { this.recordsPage = 1; void this.searchRecords(); });

    host.append(
      h('details', { class: 'ovre-section', open: true }, h('summary', {}, 'New publication'),
        h('div', { class: 'ovre-muted' }, 'Choose files in the file browser, right-click, "Publish…".'), this.filesList, this.source, form),
      h('details', { class: 'ovre-section', open: true }, h('summary', {}, 'Published records'),
        this.recordsSearch, this.community, this.records)
    );
    this.renderFiles();
  }

  protected loggedIn(): void {
    void api.listCommunities().then(({ items }) => {
      replaceChildren(this.community, h('option', { value: '' }, 'all communities'), items.map(c => h('option', { value: c.id }, c.title)));
    }).catch(() => undefined);
    void this.searchRecords();
    if (this.pending) {
      const { files, run } = this.pending;
      this.pending = null;
      void this.prepare(files, run);
    }
  }

  /** Show these files (or this run) in the form, prefilled; called by "Publish…" and "Publish this run". */
  async prepare(files: string[], run: string | null = null): Promise<void> {
    if (!this.inputs) {
      this.pending = { files, run };
      return;
    }
    this.files = files;
    this.run = run;
    this.renderFiles();
    this.clearErrors();
    replaceChildren(this.result);
    this.progress.node.hidden = true;
    this.submit.disabled = false;
    this.publishNowLabel.hidden = run !== null;
    if (run) {
      for (const name of ['title', 'description', 'creators', 'keywords'] as FieldName[]) {
        this.inputs[name].value = '';
      }
      this.source.textContent = 'The run\'s inputs, workflow and outputs are packed as an RO-Crate; fields left empty come from the run.';
      return;
    }
    if (files.length === 0) {
      this.source.textContent = '';
      return;
    }
    try {
      const prefill = await api.prefillMetadata(files);
      this.fill(prefill.metadata);
      this.source.textContent = prefill.source ? `Prefilled from ${prefill.source}.` : 'No codemeta.json found next to the files: fill in the fields.';
    } catch (reason) {
      this.source.textContent = errorMessage(reason);
    }
  }

  private fill(metadata: Partial<api.PublicationMetadata>): void {
    const set = (name: FieldName, value: string | undefined): void => {
      if (value !== undefined && value !== null) {
        this.inputs[name].value = value;
      }
    };
    set('title', metadata.title);
    set('upload_type', metadata.upload_type);
    set('description', metadata.description);
    if (metadata.creators) {
      set('creators', formatCreators(metadata.creators));
    }
    if (metadata.keywords) {
      set('keywords', metadata.keywords.join(', '));
    }
    set('license', metadata.license);
  }

  private renderFiles(): void {
    if (this.run) {
      replaceChildren(this.filesList, h('li', { 'data-run': this.run }, `Workflow run ${this.run}`));
      return;
    }
    replaceChildren(this.filesList, this.files.length ? this.files.map(path => {
      const remove = h('button', { class: 'ovre-link', title: `Leave ${path} out`, 'aria-label': `Remove ${path}` }, '×');
      remove.addEventListener('click', () => {
        this.files = this.files.filter(p => p !== path);
        this.renderFiles();
      });
      return h('li', { 'data-path': path }, h('span', { class: 'ovre-name' }, path), remove);
    }) : h('li', { class: 'ovre-muted' }, 'No files chosen yet.'));
  }

  private metadata(): api.PublicationMetadata {
    return {
      title: this.inputs.title.value.trim(),
      upload_type: this.inputs.upload_type.value,
      description: this.inputs.description.value.trim(),
      creators: parseCreators(this.inputs.creators.value),
      keywords: this.inputs.keywords.value.split(',').map(k => k.trim()).filter(Boolean),
      license: this.inputs.license.value.trim()
    };
  }

  private clearErrors(): void {
    for (const name of Object.keys(this.errors) as FieldName[]) {
      replaceChildren(this.errors[name]);
      this.inputs[name].classList.remove('ovre-invalid');
    }
    this.generalError.hidden = true;
  }

  /** Each field problem under its field ("metadata.creators.0.orcid" → creators); the rest above the button. */
  private showErrors(fields: api.FieldProblem[], fallback: string): void {
    const general: string[] = [];
    const messages = new Map<FieldName, string[]>();
    for (const problem of fields) {
      const key = problem.field.replace(/^metadata\./, '').split(/[.[]/)[0] as FieldName;
      if (key in this.errors) {
        messages.set(key, [...(messages.get(key) ?? []), problem.message]);
      } else {
        general.push(`${problem.field}: ${problem.message}`);
      }
    }
    for (const [key, list] of messages) {
      replaceChildren(this.errors[key], h('div', { class: 'ovre-field-error', 'data-testid': 'field-error', 'data-field': key }, list.join(' ')));
      this.inputs[key].classList.add('ovre-invalid');
    }
    if (general.length || messages.size === 0) {
      this.generalError.textContent = general.length ? general.join(' ') : fallback;
      this.generalError.hidden = false;
    }
    const first = [...messages.keys()][0];
    if (first) {
      this.inputs[first].focus();
    }
  }

  private async publish(): Promise<void> {
    this.clearErrors();
    if (!this.run && this.files.length === 0) {
      this.generalError.textContent = 'Choose the files first: select them in the file browser, right-click, "Publish…".';
      this.generalError.hidden = false;
      return;
    }
    const metadata = this.metadata();
    this.submit.disabled = true;
    this.progress.node.hidden = false;
    this.progress.set(0, 0, 'Starting…');
    replaceChildren(this.result);
    const onProgress = (job: api.Job<api.PublishResult>): void => this.progress.set(job.done, job.total, jobProgressText(job));
    try {
      const job = this.run
        ? await api.publishRun(this.run, metadata.title ? metadata : null, onProgress)
        : await api.depositFiles(this.files, metadata, this.publishNow.checked, onProgress);
      this.progress.set(1, 1, 'Uploaded.');
      this.showResult(job.result);
    } catch (reason) {
      this.progress.node.hidden = true;
      if (reason instanceof api.ApiError && reason.fields.length) {
        this.showErrors(reason.fields, reason.message);
      } else {
        this.showErrors([], errorMessage(reason));
      }
    } finally {
      this.submit.disabled = false;
    }
  }

  private showResult(result: api.PublishResult | null): void {
    if (!result) {
      return;
    }
    if (!result.doi) {
      const link = result.deposit_url ? h('a', { href: result.deposit_url, target: '_blank', rel: 'noopener' }, 'open the draft') : null;
      replaceChildren(this.result, h('div', { 'data-testid': 'draft-saved' }, `Draft ${result.id} saved (no DOI until published). `, link));
      return;
    }
    const doi = result.doi;
    const copy = h('button', { class: 'jp-mod-styled ovre-button', 'data-testid': 'copy-doi', title: 'Copy the DOI' }, 'Copy');
    copy.addEventListener('click', () => {
      Clipboard.copyToSystem(doi);
      copy.textContent = 'Copied';
      window.setTimeout(() => { copy.textContent = 'Copy'; }, 1500);
    });
    replaceChildren(this.result,
      h('div', { class: 'ovre-doi' },
        h('span', { class: 'ovre-doi-label' }, 'DOI'),
        h('a', { class: 'ovre-doi-badge', 'data-testid': 'doi-badge', href: result.doi_url ?? `https://doi.org/${doi}`, target: '_blank', rel: 'noopener' }, doi),
        copy),
      result.record_url ? h('a', { href: result.record_url, target: '_blank', rel: 'noopener', 'data-testid': 'landing-page' }, 'Open the landing page') : null);
    void this.searchRecords();
  }

  private async searchRecords(): Promise<void> {
    try {
      const answer = await api.searchRecords(this.recordsSearch.value.trim(), this.community.value, this.recordsPage, RECORDS_PAGE);
      const pages = Math.max(1, Math.ceil(answer.total / RECORDS_PAGE));
      const previous = h('button', { class: 'jp-mod-styled ovre-button', disabled: this.recordsPage <= 1 }, '‹');
      const next = h('button', { class: 'jp-mod-styled ovre-button', disabled: this.recordsPage >= pages }, '›');
      previous.addEventListener('click', () => { this.recordsPage -= 1; void this.searchRecords(); });
      next.addEventListener('click', () => { this.recordsPage += 1; void this.searchRecords(); });
      replaceChildren(this.records,
        answer.items.length ? answer.items.map(record => this.renderRecord(record)) : h('div', { class: 'ovre-muted ovre-empty' }, this.recordsSearch.value.trim() || this.community.value ? 'No record matches.' : 'Nothing published yet.'),
        h('div', { class: 'ovre-pager' }, previous, h('span', { class: 'ovre-muted' }, `page ${this.recordsPage} of ${pages} · ${answer.total} records`), next));
    } catch (reason) {
      replaceChildren(this.records, h('div', { class: 'ovre-error' }, errorMessage(reason)));
    }
  }

  private renderRecord(record: api.RecordItem): HTMLElement {
    const creators = record.creators.map(c => (typeof c === 'string' ? c : c.name)).join('; ');
    const size = record.files.reduce((sum, f) => sum + (f.size ?? 0), 0);
    const status = h('div', { class: 'ovre-status' });
    const importButton = h('button', { class: 'jp-mod-styled ovre-button', 'data-testid': 'import', title: `Copy the files into records/${record.id}/` }, 'Import');
    importButton.addEventListener('click', () => {
      importButton.disabled = true;
      const bar = new ProgressBar('import-progress');
      replaceChildren(status, bar.node);
      api.importRecord(record.id, job => bar.set(job.done, job.total, jobProgressText(job)))
        .then(job => replaceChildren(status, `Imported ${job.result?.paths.length ?? 0} files to records/${record.id}/ (md5 checked).`))
        .catch(reason => replaceChildren(status, h('span', { class: 'ovre-error' }, errorMessage(reason))))
        .finally(() => { importButton.disabled = false; });
    });
    return h('div', { class: 'ovre-item ovre-record', role: 'listitem', 'data-testid': 'record-row', 'data-record': String(record.id) },
      h('div', { class: 'ovre-name' }, h('a', { href: record.record_url, target: '_blank', rel: 'noopener' }, record.title)),
      h('div', { class: 'ovre-muted' }, `${creators} · ${record.publication_date}`),
      h('div', { class: 'ovre-row' }, h('a', { href: record.doi_url, target: '_blank', rel: 'noopener', class: 'ovre-doi-badge' }, record.doi),
        h('span', { class: 'ovre-muted' }, `${record.files.length} file${record.files.length === 1 ? '' : 's'}, ${formatBytes(size)}`), importButton),
      status);
  }
}
