/**
 * Loads a flow from YAML text: YAML syntax → schema (zod) → semantic checks. Every
 * problem names the file, line and column (from the `yaml` package's node ranges), says
 * what is wrong and how to fix it.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { FlowSchema, NODE_KIND_NAMES, type FlowDefinition } from './schema.js';
import { NODE_KINDS } from './nodes/index.js';
import { validateFlowSemantics, type ValidateOptions } from './validator.js';
import { didYouMean } from './suggest.js';
import type { Path } from './types.js';

export interface FlowProblem {
  file: string;
  line: number;
  column: number;
  message: string;
  hint: string;
}

export class FlowValidationError extends Error {
  override readonly name = 'FlowValidationError';
  constructor(readonly problems: FlowProblem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

export function formatProblem(p: FlowProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.message}\n    fix: ${p.hint}`;
}

export type LoadResult = { ok: true; flow: FlowDefinition; problems: [] } | { ok: false; problems: FlowProblem[]; flow?: undefined };

/** Parses YAML only (schema + semantics skipped): for tools that need the id first. */
export function peekFlowId(source: string): string | undefined {
  try {
    const js: unknown = parseDocument(source).toJS();
    const id = js && typeof js === 'object' ? (js as Record<string, unknown>).id : undefined;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

export function loadFlow(source: string, file: string, options: ValidateOptions = {}): LoadResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        file,
        ...at(e.pos[0]),
        message: `YAML syntax: ${e.message.split('\n')[0]}`,
        hint: yamlHint(e.code),
      })),
    };
  }
  const js: unknown = doc.toJS();
  if (!js || typeof js !== 'object' || Array.isArray(js)) {
    return { ok: false, problems: [{ file, line: 1, column: 1, message: 'the file is not a flow (expected a mapping with id, entry and nodes)', hint: 'start from an example in ivr-flows/' }] };
  }
  const locate = (path: Path, atKey = false) => at(findOffset(doc, path, atKey));
  const parsed = FlowSchema.safeParse(js);
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((issue) => describeIssue(issue, js, locate, file));
    return { ok: false, problems: dedupe(problems) };
  }
  const semantic = validateFlowSemantics(parsed.data, options);
  if (semantic.length > 0) {
    return { ok: false, problems: dedupe(semantic.map((p) => ({ file, ...locate(p.path, p.atKey), message: p.message, hint: p.hint }))) };
  }
  return { ok: true, flow: parsed.data, problems: [] };
}

function dedupe(problems: FlowProblem[]): FlowProblem[] {
  const seen = new Set<string>();
  return problems
    .filter((p) => {
      const key = `${p.line}:${p.column}:${p.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.line - b.line || a.column - b.column);
}

function yamlHint(code: string): string {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'each key may appear once in a mapping: rename or merge the duplicate';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return 'check the indentation (spaces, not tabs) and that every key ends with ":"';
    case 'BAD_ALIAS':
    case 'MISSING_ANCHOR':
      return 'quote values starting with * or & (e.g. "*": main), they are YAML aliases/anchors otherwise';
    default:
      return 'fix the YAML syntax at this position (quote strings containing ": " or starting with special characters)';
  }
}

type Locate = (path: Path, atKey?: boolean) => { line: number; column: number };

function valueAt(root: unknown, path: Path): unknown {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

function fieldName(path: Path): string {
  return path.length === 0 ? 'the flow' : path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[');
}

/** The kind of the node a path points into, for messages ("in menu node main"). */
function nodeContext(root: unknown, path: Path): { id: string; kind?: string } | undefined {
  if (path[0] !== 'nodes' || path.length < 2) return undefined;
  const id = String(path[1]);
  const kind = valueAt(root, ['nodes', id, 'kind']);
  return { id, ...(typeof kind === 'string' ? { kind } : {}) };
}

function allowedKeys(root: unknown, path: Path): string[] {
  if (path.length === 0) return Object.keys(FlowSchema.shape);
  const ctx = nodeContext(root, path);
  if (ctx?.kind && path.length === 2) {
    const spec = NODE_KINDS.get(ctx.kind);
    const shape = (spec?.schema as unknown as { shape?: Record<string, unknown> } | undefined)?.shape;
    return shape ? Object.keys(shape) : [];
  }
  return [];
}

function describeIssue(issue: z.core.$ZodIssue, root: unknown, locate: Locate, file: string): FlowProblem[] {
  const path = issue.path as Path;
  const ctx = nodeContext(root, path);
  const where = ctx ? ` in ${ctx.kind ? `${ctx.kind} ` : ''}node "${ctx.id}"` : '';
  const field = fieldName(ctx ? path.slice(2) : path);
  const value = valueAt(root, path);
  const mk = (message: string, hint: string, p: Path = path, atKey = false): FlowProblem => ({ file, ...locate(p, atKey), message, hint });

  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeys(root, path);
      return issue.keys.map((key) =>
        mk(
          `unknown field "${key}"${where}${didYouMean(key, allowed)}`,
          allowed.length > 0 ? `remove it or use one of: ${allowed.join(', ')}` : 'remove it (see docs/ivr.md for the fields this accepts)',
          [...path, key],
          true,
        ),
      );
    }
    case 'invalid_union': {
      if ('note' in issue && issue.note === 'No matching discriminator') {
        const kindPath = path[path.length - 1] === 'kind' ? path : [...path, 'kind'];
        const kind = valueAt(root, kindPath);
        if (kind === undefined) return [mk(`node "${String(path[1])}" has no kind`, `add kind: one of ${NODE_KIND_NAMES.join(', ')}`, path.slice(0, 2), true)];
        return [mk(`unknown node kind "${String(kind)}"${didYouMean(String(kind), NODE_KIND_NAMES)}`, `use one of: ${NODE_KIND_NAMES.join(', ')}`, kindPath)];
      }
      if (/prompt|announce|confirmation|thanks|goodbye/.test(String(path.find((p) => typeof p === 'string' && p !== 'nodes' && p !== path[1]) ?? ''))) {
        return [mk(`${field}${where} is not a valid prompt`, 'write text to speak, or one of {file: x.wav}, {tts: text}, {tone: spec}, {silence_ms: 500}, or a list of these')];
      }
      return [mk(`${field}${where} has an invalid value ${JSON.stringify(value)}`, 'see docs/ivr.md for the accepted forms of this field')];
    }
    case 'invalid_type': {
      if (value === undefined) {
        return [mk(`required field "${String(path[path.length - 1])}" is missing${where}`, `add ${String(path[path.length - 1])}: ${issue.expected === 'string' ? '…' : `<${issue.expected}>`}`, path.slice(0, -1), false)];
      }
      return [mk(`${field}${where} should be ${article(issue.expected)}, not ${describe(value)}`, `write ${field} as ${article(issue.expected)}`)];
    }
    case 'invalid_value':
      return [mk(`${field}${where} is ${JSON.stringify(value)}: ${issue.message.replace(/^Invalid (option|input): /, '')}`, `use one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`)];
    case 'invalid_format':
      return [mk(`${field}${where} is ${JSON.stringify(value)}: ${issue.message.startsWith('Invalid') ? 'wrong format' : issue.message}`, issue.message.startsWith('Invalid') ? `match the pattern ${'pattern' in issue ? String(issue.pattern) : ''}` : `change ${field} so that it follows the rule above`)];
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? `at least ${String(issue.minimum)}` : `at most ${String(issue.maximum)}`;
      const unit = issue.origin === 'array' ? ' item(s)' : issue.origin === 'string' ? ' character(s)' : '';
      return [mk(`${field}${where} is ${JSON.stringify(value)}: it must be ${bound}${unit}`, `change ${field} to ${bound}${unit}`)];
    }
    case 'invalid_key':
      return [mk(`key "${String(path[path.length - 1])}"${where}: ${issue.issues[0]?.message ?? issue.message}`, 'rename the key', path, true)];
    default:
      return [mk(`${field}${where}: ${issue.message}`, 'see docs/ivr.md for this field')];
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Offset of the YAML node at `path` (or its key); the deepest existing ancestor otherwise. */
function findOffset(doc: Document, path: Path, atKey: boolean): number {
  let node: unknown = doc.contents;
  let offset = (doc.contents as YamlNode | null)?.range?.[0] ?? 0;
  for (const [i, seg] of path.entries()) {
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return offset;
      const keyNode = pair.key as YamlNode;
      const valueNode = pair.value as YamlNode | null;
      if (last && atKey) return keyNode.range?.[0] ?? offset;
      offset = valueNode?.range?.[0] ?? keyNode.range?.[0] ?? offset;
      node = valueNode;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as YamlNode | undefined;
      if (!item) return offset;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else return offset;
  }
  return offset;
}
