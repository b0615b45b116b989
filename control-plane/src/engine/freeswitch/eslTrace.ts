/**
 * Reader for recorded ESL traces (one JSON object per line:
 * `{"t": ms, "dir": "fs>cp" | "cp>fs", "b64": chunk}`, optionally gzipped). Used by the
 * fake ESL peer in tests and by `npm run bench:esl`; chunks stay byte-exact.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';

export interface TraceChunk {
  t: number;
  dir: 'fs>cp' | 'cp>fs';
  bytes: Buffer;
}

const lineSchema = z.object({ t: z.number(), dir: z.enum(['fs>cp', 'cp>fs']), b64: z.string() });

export function readTrace(path: string): TraceChunk[] {
  let raw = readFileSync(path);
  if (path.endsWith('.gz')) raw = gunzipSync(raw);
  const out: TraceChunk[] = [];
  raw
    .toString('utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      const parsed = lineSchema.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`${path}:${i + 1}: not a trace line (${parsed.error.issues[0]?.message ?? 'invalid'})`);
      out.push({ t: parsed.data.t, dir: parsed.data.dir, bytes: Buffer.from(parsed.data.b64, 'base64') });
    });
  return out;
}
