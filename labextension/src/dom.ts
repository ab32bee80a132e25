/** Small DOM helpers: the panels are plain DOM inside Lumino widgets. */
type Child = Node | string | number | null | undefined | false;
type AttrValue = string | number | boolean | null | undefined | ((event: any) => void);

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, AttrValue> = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) {
      continue;
    }
    if (typeof value === 'function') {
      element.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === 'class') {
      element.className = String(value);
    } else if (key === 'value') {
      (element as unknown as HTMLInputElement).value = String(value);
    } else if (value === true) {
      element.setAttribute(key, '');
    } else {
      element.setAttribute(key, String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replaceChildren(parent: Element, ...children: (Child | Child[])[]): void {
  parent.textContent = '';
  append(parent, children);
}

/** 1536 → "1.5 KiB"; null → "—". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) {
    return '—';
  }
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatDate(value: string | null | undefined): string {
  if (!value) {
    return '—';
  }
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString();
}

export function errorMessage(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

/** A progress bar fed by a job's done/total (indeterminate while total is 0). */
export class ProgressBar {
  readonly node: HTMLElement;
  private bar: HTMLElement;
  private label: HTMLElement;

  constructor(testid: string) {
    this.bar = h('div', { class: 'ovre-progress-bar' });
    this.label = h('span', { class: 'ovre-progress-label' });
    this.node = h(
      'div',
      { class: 'ovre-progress', 'data-testid': testid, role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100 },
      h('div', { class: 'ovre-progress-track' }, this.bar),
      this.label
    );
  }

  set(done: number, total: number, text: string): void {
    const percent = total > 0 ? Math.min(100, Math.round((100 * done) / total)) : 0;
    this.node.classList.toggle('ovre-indeterminate', total <= 0);
    this.bar.style.width = `${percent}%`;
    this.node.setAttribute('aria-valuenow', String(percent));
    this.node.dataset.percent = String(percent);
    this.label.textContent = text;
  }
}

/** "done / total unit" for a job, with bytes made human-readable. */
export function jobProgressText(job: { done: number; total: number; unit: string; message: string }): string {
  const amount =
    job.unit === 'bytes'
      ? `${formatBytes(job.done)} of ${formatBytes(job.total)}`
      : `${job.done} of ${job.total} ${job.unit}`;
  return job.message ? `${job.message} (${amount})` : amount;
}
