/** Schema pieces shared by several node kinds. */
import { z } from 'zod';
import type { Prompt } from '../../engine/port.js';

export const NODE_ID = /^[A-Za-z_][A-Za-z0-9_-]*$/;
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const nodeRef = z
  .string()
  .regex(NODE_ID, { message: 'a node id is letters, digits, _ and -, starting with a letter or _' })
  .describe('Id of the node to go to next');

export const variableName = z
  .string()
  .regex(VARIABLE_NAME, { message: 'a variable name is letters, digits and _, starting with a letter or _' });

export const durationMs = (max: number, what: string) =>
  z.number().int().min(0).max(max).describe(`${what} in milliseconds (0–${max})`);

export const filePrompt = z.strictObject({
  file: z.string().min(1).describe('Audio file, relative to the prompts directory (template)'),
});
export const ttsPrompt = z.strictObject({
  tts: z.string().min(1).describe('Text to speak; may contain ${variables} (template)'),
  voice: z.string().optional(),
  language: z.string().optional().describe('Overrides the call language, e.g. fr-FR'),
});
export const tonePrompt = z.strictObject({
  tone: z.string().min(1).describe('tone_stream spec, e.g. %(1000,0,1000)'),
  duration_ms: durationMs(60_000, 'Tone length').optional(),
});
export const silencePrompt = z.strictObject({ silence_ms: durationMs(60_000, 'Silence') });

/** A prompt: a plain string is text to speak. */
export const promptSpec = z
  .union([z.string().min(1).describe('Text to speak (template)'), filePrompt, ttsPrompt, tonePrompt, silencePrompt])
  .describe('A prompt: text to speak, {file}, {tts}, {tone} or {silence_ms}');

export const prompts = z.union([promptSpec, z.array(promptSpec).min(1)]);

export type PromptSpec = z.infer<typeof promptSpec>;

export const AUDIO_EXTENSIONS = /\.(wav|mp3|ogg|flac|gsm|ulaw|alaw|sln|raw)$/i;

/** Turns a spec into engine prompts, rendering templates with `render`. */
export async function buildPrompts(
  spec: PromptSpec | PromptSpec[],
  render: (template: string) => Promise<string>,
  defaults: { language?: string; voice?: string; promptBase?: string },
): Promise<Prompt[]> {
  const list = Array.isArray(spec) ? spec : [spec];
  const out: Prompt[] = [];
  for (const p of list) {
    if (typeof p === 'string') out.push(tts(await render(p), undefined, undefined, defaults));
    else if ('tts' in p) out.push(tts(await render(p.tts), p.voice, p.language, defaults));
    else if ('file' in p) {
      const file = await render(p.file);
      const path = defaults.promptBase && !file.startsWith('/') && !/^[a-z]+:\/\//.test(file) ? `${defaults.promptBase.replace(/\/$/, '')}/${file}` : file;
      out.push({ kind: 'file', path });
    } else if ('tone' in p) out.push({ kind: 'tone', spec: p.tone, ...(p.duration_ms !== undefined ? { durationMs: p.duration_ms } : {}) });
    else out.push({ kind: 'silence', ms: p.silence_ms });
  }
  return out;
}

function tts(text: string, voice: string | undefined, language: string | undefined, defaults: { language?: string; voice?: string }): Prompt {
  const v = voice ?? defaults.voice;
  const l = language ?? defaults.language;
  return { kind: 'tts', text, ...(v ? { voice: v } : {}), ...(l ? { language: l } : {}) };
}

/** Lists the prompt specs inside a prompts field, with their paths. */
export function promptEntries(spec: PromptSpec | PromptSpec[] | undefined, path: Array<string | number>): Array<{ prompt: PromptSpec; path: Array<string | number> }> {
  if (spec === undefined) return [];
  if (Array.isArray(spec)) return spec.map((p, i) => ({ prompt: p, path: [...path, i] }));
  return [{ prompt: spec, path }];
}

export function describePrompt(p: Prompt): string {
  switch (p.kind) {
    case 'tts':
      return p.text;
    case 'file':
      return p.path;
    case 'tone':
      return `tone:${p.spec}`;
    case 'silence':
      return `silence:${p.ms}`;
  }
}

export const base = {
  description: z.string().optional().describe('What this node is for (shown in graphs)'),
};
