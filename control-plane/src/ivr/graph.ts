/** `switchboard ivr graph`: a flow as Graphviz DOT, for review (`| dot -Tsvg > flow.svg`). */
import { NODE_KINDS } from './nodes/index.js';
import type { FlowDefinition } from './schema.js';

const SHAPES: Record<string, string> = {
  menu: 'diamond',
  collect: 'parallelogram',
  condition: 'diamond',
  schedule: 'hexagon',
  http: 'component',
  queue: 'doubleoctagon',
  transfer: 'doubleoctagon',
  voicemail: 'doubleoctagon',
  callback: 'doubleoctagon',
  hangup: 'octagon',
  survey: 'parallelogram',
  subflow: 'box3d',
  goto: 'cds',
  return: 'cds',
};

function q(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

export function flowToDot(flow: FlowDefinition): string {
  const lines = [`digraph ${q(flow.id)} {`, '  rankdir=TB;', '  node [fontname="Helvetica", fontsize=10, style=filled, fillcolor="#f5f7fa"];', '  edge [fontname="Helvetica", fontsize=9];'];
  lines.push(`  __start [shape=circle, label="", width=0.2, fillcolor=black];`);
  lines.push(`  __start -> ${q(flow.entry)};`);
  for (const [id, node] of Object.entries(flow.nodes)) {
    const spec = NODE_KINDS.get(node.kind);
    const detail = node.kind === 'queue' ? `\nqueue ${node.queue}` : node.kind === 'subflow' || (node.kind === 'goto' && node.flow) ? `\nflow ${node.flow}` : node.kind === 'transfer' ? `\n${node.target}` : '';
    const label = `${id}\n[${node.kind}]${detail}${node.description ? `\n${node.description}` : ''}`;
    lines.push(`  ${q(id)} [shape=${SHAPES[node.kind] ?? 'box'}, label=${q(label)}];`);
    for (const link of spec?.links(node) ?? []) {
      const label = link.label === 'next' ? '' : link.label.length > 40 ? `${link.label.slice(0, 37)}…` : link.label;
      lines.push(`  ${q(id)} -> ${q(link.target)}${label ? ` [label=${q(label)}]` : ''};`);
    }
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
