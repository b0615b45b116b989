/**
 * Semantic checks on a flow that already matches the schema: links to nodes that do not
 * exist, unreachable nodes, loops that never wait for the caller, expressions that do not
 * parse or read undefined variables, missing prompt files, bad time zones, unknown queues
 * and flows. Pure: no I/O (prompt files and known queues come in through options).
 * Problems carry a path into the document; the loader turns it into file:line:column.
 */
import { IANAZone } from 'luxon';
import { ExpressionEngine, ExpressionError, templateExpressions } from './expressions.js';
import { NODE_KINDS } from './nodes/index.js';
import { AUDIO_EXTENSIONS } from './nodes/common.js';
import { BUILTIN_VARIABLES, type FlowDefinition, type FlowNode } from './schema.js';
import { didYouMean } from './suggest.js';
import type { Path } from './types.js';

export interface SemanticProblem {
  path: Path;
  message: string;
  hint: string;
  /** Point at the key rather than the value (unknown/unreachable node ids). */
  atKey?: boolean;
}

export interface ValidateOptions {
  /** Queue ids that exist; when absent, queue names are not checked. */
  knownQueues?: ReadonlySet<string>;
  /** Flow id → its node ids; when absent, subflow/goto targets in other flows are not checked. */
  knownFlows?: ReadonlyMap<string, ReadonlySet<string>>;
  /** Flow id → variables it sets: a subflow's variables are defined after it returns. */
  knownFlowVariables?: ReadonlyMap<string, ReadonlySet<string>>;
  /** Says whether a prompt file exists; when absent, files are not checked. */
  promptExists?: (path: string) => boolean;
  /** Shown in "not found" messages, e.g. the prompts directory. */
  promptsDescription?: string;
}

const staticExpressions = new ExpressionEngine();

export function validateFlowSemantics(flow: FlowDefinition, options: ValidateOptions = {}): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const ids = Object.keys(flow.nodes);
  const idSet = new Set(ids);
  const problem = (path: Path, message: string, hint: string, atKey = false) => problems.push({ path, message, hint, ...(atKey ? { atKey } : {}) });

  if (!idSet.has(flow.entry)) {
    problem(['entry'], `entry node "${flow.entry}" does not exist${didYouMean(flow.entry, ids)}`, `define "${flow.entry}" under nodes, or set entry to one of: ${ids.join(', ')}`);
  }
  if (!IANAZone.isValidZone(flow.timezone)) {
    problem(['timezone'], `"${flow.timezone}" is not a time zone`, 'use an IANA name such as Europe/London or America/New_York');
  }

  // Links between nodes.
  const edges = new Map<string, string[]>();
  for (const [id, node] of Object.entries(flow.nodes)) {
    const spec = NODE_KINDS.get(node.kind);
    if (!spec) continue;
    const targets: string[] = [];
    for (const link of spec.links(node)) {
      if (!idSet.has(link.target)) {
        problem(
          ['nodes', id, ...link.path],
          `node "${id}" goes to "${link.target}" (${link.label}), which does not exist${didYouMean(link.target, ids)}`,
          `define a node "${link.target}" under nodes, or point ${link.label} at an existing node`,
        );
      } else targets.push(link.target);
    }
    edges.set(id, targets);
  }

  // Reachability from the entry.
  if (idSet.has(flow.entry)) {
    const seen = new Set<string>([flow.entry]);
    const stack = [flow.entry];
    while (stack.length > 0) {
      for (const t of edges.get(stack.pop() as string) ?? []) {
        if (!seen.has(t)) {
          seen.add(t);
          stack.push(t);
        }
      }
    }
    for (const id of ids) {
      if (!seen.has(id)) problem(['nodes', id], `node "${id}" is never reached from the entry "${flow.entry}"`, `link to "${id}" from another node, or delete it`, true);
    }
  }

  // Loops made only of nodes that never wait for the caller spin forever.
  for (const cycle of busyCycles(flow, edges)) {
    const first = cycle[0] as string;
    problem(
      ['nodes', first],
      `nodes ${cycle.map((c) => `"${c}"`).join(' → ')} → "${first}" loop without ever waiting for the caller`,
      'put a menu, collect or other input node in the loop, or send one branch out of it',
      true,
    );
  }

  // Variables: defined by the flow, by a node, by a flow it enters, or built in.
  const defined = new Set<string>([...BUILTIN_VARIABLES, ...flowVariables(flow)]);
  for (const node of Object.values(flow.nodes)) {
    for (const ref of NODE_KINDS.get(node.kind)?.flows?.(node) ?? []) {
      for (const v of options.knownFlowVariables?.get(ref.flow) ?? []) defined.add(v);
    }
  }

  for (const [id, node] of Object.entries(flow.nodes)) {
    const spec = NODE_KINDS.get(node.kind);
    if (!spec) continue;
    const base: Path = ['nodes', id];
    const locals = spec.locals ?? [];
    const checkExpression = (expression: string, path: Path, extra: string[], template: boolean) => {
      try {
        const parsed = staticExpressions.parse(expression);
        for (const name of parsed.variables) {
          if (defined.has(name) || extra.includes(name)) continue;
          problem(
            [...base, ...path],
            `${template ? 'template' : 'expression'} "${expression}" reads variable "${name}", which is never set${didYouMean(name, [...defined, ...extra])}`,
            `declare "${name}" under variables: with a starting value, set it in a set/collect/http node, or fix the name`,
          );
        }
        for (const call of parsed.calls) {
          if ((call.name === 'queueWaiting' || call.name === 'queueEwt') && typeof call.firstArg === 'string') checkQueue(call.firstArg, [...base, ...path]);
        }
      } catch (err) {
        if (!(err instanceof ExpressionError)) throw err;
        problem([...base, ...path], `${template ? 'template' : 'expression'} "${expression}": ${err.message}`, 'fix the expression (syntax: docs/ivr.md#expressions)');
      }
    };
    const checkQueue = (queue: string, path: Path) => {
      if (options.knownQueues && !options.knownQueues.has(queue)) {
        problem(path, `queue "${queue}" does not exist${didYouMean(queue, options.knownQueues)}`, `create the queue first, or use one of: ${[...options.knownQueues].join(', ') || '(no queues defined)'}`);
      }
    };

    for (const { expression, path, extra } of spec.expressions?.(node) ?? []) checkExpression(expression, path, extra ?? [], false);
    for (const { value, path } of strings(node, [])) {
      if (!value.includes('${')) continue;
      const extra = locals.filter((l) => startsWith(path, l.path)).flatMap((l) => l.names);
      let exprs: string[];
      try {
        exprs = templateExpressions(value);
      } catch (err) {
        problem([...base, ...path], `template "${value}": ${(err as Error).message}`, 'close every ${ with }');
        continue;
      }
      for (const e of exprs) checkExpression(e, path, extra, true);
    }
    for (const { queue, path } of spec.queues?.(node) ?? []) checkQueue(queue, [...base, ...path]);
    for (const ref of spec.flows?.(node) ?? []) {
      const nodes = options.knownFlows?.get(ref.flow);
      if (options.knownFlows && !nodes) {
        problem([...base, ...ref.path], `flow "${ref.flow}" does not exist${didYouMean(ref.flow, options.knownFlows.keys())}`, 'deploy that flow first (or validate it together with this one), or fix the id');
      } else if (nodes && ref.node !== undefined && !nodes.has(ref.node)) {
        problem([...base, 'node'], `flow "${ref.flow}" has no node "${ref.node}"${didYouMean(ref.node, nodes)}`, `use one of: ${[...nodes].join(', ')}`);
      }
    }
    if (options.promptExists) {
      for (const { value, path } of filePrompts(node, [])) {
        if (value.includes('${')) continue;
        if (!AUDIO_EXTENSIONS.test(value)) {
          problem([...base, ...path], `prompt file "${value}" has no audio extension`, 'name the file with its type, e.g. welcome.wav');
        } else if (!options.promptExists(value)) {
          problem([...base, ...path], `prompt file "${value}" not found${options.promptsDescription ? ` in ${options.promptsDescription}` : ''}`, 'add the audio file, fix the path, or use text to speech (tts: …)');
        }
      }
    }
    spec.check?.(node, (path, message, hint) => problem([...base, ...path], message, hint));
  }
  return problems;
}

/** Variables a flow declares or sets in any node. */
export function flowVariables(flow: FlowDefinition): Set<string> {
  const out = new Set<string>(Object.keys(flow.variables));
  for (const node of Object.values(flow.nodes)) {
    for (const v of NODE_KINDS.get(node.kind)?.assigns?.(node) ?? []) out.add(v);
  }
  return out;
}

/** What other flows' validation needs to know about this one. */
export function flowSummary(flow: FlowDefinition): { nodes: Set<string>; variables: Set<string> } {
  return { nodes: new Set(Object.keys(flow.nodes)), variables: flowVariables(flow) };
}

function startsWith(path: Path, prefix: Path): boolean {
  return prefix.every((p, i) => path[i] === p);
}

function* strings(value: unknown, path: Path): Generator<{ value: string; path: Path }> {
  if (typeof value === 'string') yield { value, path };
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* strings(v, [...path, i]);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) yield* strings(v, [...path, k]);
}

function* filePrompts(value: unknown, path: Path): Generator<{ value: string; path: Path }> {
  if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* filePrompts(v, [...path, i]);
  else if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if (Object.keys(obj).length === 1 && typeof obj.file === 'string') yield { value: obj.file, path: [...path, 'file'] };
    else for (const [k, v] of Object.entries(obj)) yield* filePrompts(v, [...path, k]);
  }
}

/** Strongly connected groups of non-waiting nodes that contain a cycle (Tarjan). */
function busyCycles(flow: FlowDefinition, edges: Map<string, string[]>): string[][] {
  const busy = (id: string) => {
    const node: FlowNode | undefined = flow.nodes[id];
    return node !== undefined && NODE_KINDS.get(node.kind)?.waitsForInput === false;
  };
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of (edges.get(v) ?? []).filter(busy)) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, idx.get(w) as number));
    }
    if (low.get(v) === idx.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      const selfLoop = group.length === 1 && (edges.get(v) ?? []).includes(v);
      if (group.length > 1 || selfLoop) out.push(group.reverse());
    }
  };
  for (const id of Object.keys(flow.nodes)) if (busy(id) && !idx.has(id)) visit(id);
  return out;
}
