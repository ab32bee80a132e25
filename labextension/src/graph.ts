/**
 * The step graph as SVG: a layered DAG layout (layer = longest path from a source, order within a layer by the
 * mean position of the parents), top to bottom, nodes coloured by status through CSS classes.
 */
import { GraphNode } from './api';

const SVG_NS = 'http://www.w3.org/2000/svg';
const NODE_W = 132;
const NODE_H = 30;
const GAP_X = 16;
const GAP_Y = 34;
const PAD = 8;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    element.setAttribute(key, String(value));
  }
  return element;
}

/** Layer of each node: the longest path from a node without parents; edges closing a cycle are ignored. */
export function layers(nodes: GraphNode[], edges: [string, string][]): Map<string, number> {
  const ids = new Set(nodes.map(n => n.id));
  const parents = new Map<string, string[]>(nodes.map(n => [n.id, []]));
  for (const [from, to] of edges) {
    if (ids.has(from) && ids.has(to) && from !== to) {
      parents.get(to)!.push(from);
    }
  }
  const layer = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (id: string): number => {
    const known = layer.get(id);
    if (known !== undefined) {
      return known;
    }
    if (visiting.has(id)) {
      return -1; // a cycle: this edge does not count
    }
    visiting.add(id);
    let depth = 0;
    for (const parent of parents.get(id) ?? []) {
      depth = Math.max(depth, visit(parent) + 1);
    }
    visiting.delete(id);
    layer.set(id, depth);
    return depth;
  };
  nodes.forEach(n => visit(n.id));
  return layer;
}

function truncate(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

export function renderGraph(nodes: GraphNode[], edges: [string, string][]): SVGSVGElement {
  const layerOf = layers(nodes, edges);
  const rows: GraphNode[][] = [];
  for (const node of nodes) {
    const index = layerOf.get(node.id) ?? 0;
    (rows[index] ??= []).push(node);
  }
  const column = new Map<string, number>();
  const parentsOf = (id: string): string[] => edges.filter(([, to]) => to === id).map(([from]) => from);
  rows.forEach((row, index) => {
    if (index > 0) {
      const weight = (n: GraphNode): number => {
        const cols = parentsOf(n.id).map(p => column.get(p)).filter((c): c is number => c !== undefined);
        return cols.length ? cols.reduce((a, b) => a + b, 0) / cols.length : Number.MAX_SAFE_INTEGER;
      };
      row.sort((a, b) => weight(a) - weight(b));
    }
    row.forEach((n, i) => column.set(n.id, i));
  });
  const widest = Math.max(1, ...rows.map(r => r?.length ?? 0));
  const width = PAD * 2 + widest * NODE_W + (widest - 1) * GAP_X;
  const height = PAD * 2 + rows.length * NODE_H + Math.max(0, rows.length - 1) * GAP_Y;
  const position = new Map<string, { x: number; y: number }>();
  rows.forEach((row, index) => {
    const rowWidth = row.length * NODE_W + (row.length - 1) * GAP_X;
    const offset = (width - rowWidth) / 2;
    row.forEach((n, i) => position.set(n.id, { x: offset + i * (NODE_W + GAP_X), y: PAD + index * (NODE_H + GAP_Y) }));
  });

  const root = svg('svg', {
    class: 'ovre-graph', viewBox: `0 0 ${width} ${Math.max(height, NODE_H + 2 * PAD)}`, width: '100%',
    role: 'img', 'aria-label': `Step graph: ${nodes.length} steps`, 'data-testid': 'workflow-graph'
  });
  root.style.maxWidth = `${width}px`;
  const defs = svg('defs', {});
  const marker = svg('marker', { id: 'ovre-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  marker.append(svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'ovre-graph-arrow' }));
  defs.append(marker);
  root.append(defs);
  for (const [from, to] of edges) {
    const a = position.get(from);
    const b = position.get(to);
    if (!a || !b) {
      continue;
    }
    const x1 = a.x + NODE_W / 2;
    const y1 = a.y + NODE_H;
    const x2 = b.x + NODE_W / 2;
    const y2 = b.y;
    const mid = (y1 + y2) / 2;
    const d = y2 > y1 ? `M${x1},${y1} C${x1},${mid} ${x2},${mid} ${x2},${y2}` : `M${x1},${y1} L${x2},${y2}`;
    root.append(svg('path', { d, class: 'ovre-graph-edge', 'marker-end': 'url(#ovre-arrow)', 'data-edge': `${from}->${to}` }));
  }
  for (const node of nodes) {
    const p = position.get(node.id)!;
    const status = (node.status || 'created').toLowerCase();
    const group = svg('g', { class: `ovre-graph-node ovre-status-${status}`, 'data-step': node.id, 'data-status': status, transform: `translate(${p.x},${p.y})` });
    const title = svg('title', {});
    title.textContent = `${node.label}: ${status}`;
    const label = svg('text', { x: NODE_W / 2, y: NODE_H / 2 + 4, 'text-anchor': 'middle' });
    label.textContent = truncate(node.label, 18);
    group.append(title, svg('rect', { width: NODE_W, height: NODE_H, rx: 6 }), label);
    root.append(group);
  }
  return root;
}
