/**
 * Load profiles: YAML files in load-tests/profiles, validated with zod. Every problem is
 * reported as `<file>: <field>: <reason>` so a load tester can fix the file at once.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { SCENARIOS } from './scenarios.js';

export const PROFILE_DIR = fileURLToPath(new URL('../profiles/', import.meta.url));

export class ProfileError extends Error {
  override readonly name = 'ProfileError';
  constructor(readonly source: string, readonly problems: string[]) {
    super(`${source}: ${problems.join(`\n${source}: `)}`);
  }
}

const port = z.number().int().min(1024, { message: 'expected a port from 1024 to 65535' }).max(65535, { message: 'expected a port from 1024 to 65535' });
const ip = z.string().refine((s) => /^[0-9a-fA-F:.]+$/.test(s), { message: 'expected an IP address (host names are not accepted)' });
const scenarioName = (role: 'uac' | 'uas') =>
  z.string().refine((s) => SCENARIOS[s]?.role === role, {
    message: `expected one of the ${role === 'uac' ? 'originating' : 'answering'} scenarios: ${Object.entries(SCENARIOS)
      .filter(([, v]) => v.role === role)
      .map(([k]) => k)
      .join(', ')}`,
  });

const mixEntry = z.strictObject({
  scenario: scenarioName('uac'),
  weight: z.number().positive({ message: 'expected a weight greater than 0' }),
  /** Request-URI user: the DID, agent extension or paid destination. */
  service: z.string().regex(/^[A-Za-z0-9+*#._-]+$/, { message: 'expected a SIP user part (digits, letters, + * # . _ -)' }).default('5000'),
  /** Selftest only: the answering scenario (defaults to the catalogue's peer). */
  peer: scenarioName('uas').optional(),
  /** Source address for this scenario (e.g. an unknown address for the toll-fraud probe). */
  localHost: ip.optional(),
});

const endpoint = z.strictObject({
  scenario: scenarioName('uas'),
  /** SIP port this endpoint listens on (FreeSWITCH sends agent or dialer legs here). */
  port,
  /** How many agents/targets the deployment routes to it (for the report and -l). */
  count: z.number().int().min(1).default(1),
});

export const profileSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { message: 'expected a lower-case name of letters, digits and dashes' }),
    description: z.string().default(''),
    target: z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('selftest') }),
      z.strictObject({
        kind: z.literal('sip'),
        host: ip,
        port: port.default(5060),
        /** Prometheus endpoint of the control plane, scraped before and after each run. */
        metricsUrl: z.url({ message: 'expected an http(s) URL' }).optional(),
      }),
    ]),
    network: z
      .strictObject({
        /** Run every SIPp inside this network namespace (`ip netns exec`). */
        namespace: z.string().regex(/^[A-Za-z0-9_.-]+$/, { message: 'expected a namespace name' }).optional(),
        localHost: ip.default('127.0.0.1'),
        peerHost: ip.default('127.0.0.1'),
        basePort: port.default(25100),
      })
      .default({ localHost: '127.0.0.1', peerHost: '127.0.0.1', basePort: 25100 }),
    rate: z
      .strictObject({
        start: z.number().int().min(1, { message: 'expected at least 1 call per second' }),
        step: z.number().int().min(0).default(0),
        stepSeconds: z.number().int().min(1).default(5),
        max: z.number().int().min(1, { message: 'expected at least 1 call per second' }),
      })
      .refine((r) => r.max >= r.start, { message: 'max must be at least start', path: ['max'] }),
    durationSeconds: z.number().min(1).max(3600, { message: 'expected at most 3600 s (one hour)' }),
    callLengthMs: z.number().int().min(0).max(600_000).default(1000),
    maxCalls: z.number().int().min(1).max(10_000_000).default(100_000),
    mix: z.array(mixEntry).min(1, { message: 'expected at least one scenario' }),
    /** Answering endpoints to start when the target is a real switch (ignored in selftest). */
    endpoints: z.array(endpoint).default([]),
    /** Credentials for trunk-register / registrar; the password is read from this env variable. */
    trunk: z
      .strictObject({ username: z.string().min(1), passwordEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, { message: 'expected an environment variable name' }) })
      .optional(),
    criteria: z
      .strictObject({
        maxFailedPercent: z.number().min(0).max(100).default(0.1),
        p99SetupMs: z.number().positive().optional(),
        p99TimeToAgentMs: z.number().positive().optional(),
        minServiceLevelPercent: z.strictObject({ metric: z.string().min(1), min: z.number().min(0).max(100) }).optional(),
        minCalls: z.number().int().min(1).default(1),
      })
      .default({ maxFailedPercent: 0.1, minCalls: 1 }),
    /** --find-max: trial length, resolution, and optionally its own start/step/max (else rate's). */
    findMax: z
      .strictObject({
        trialSeconds: z.number().min(1).default(10),
        resolution: z.number().int().min(1).default(1),
        start: z.number().int().min(1, { message: 'expected at least 1 call per second' }).optional(),
        step: z.number().int().min(1, { message: 'expected at least 1 call per second' }).optional(),
        max: z.number().int().min(1, { message: 'expected at least 1 call per second' }).optional(),
      })
      .default({ trialSeconds: 10, resolution: 1 }),
    compare: z
      .strictObject({ staticTarget: z.strictObject({ host: ip, port: port.default(5060), service: z.string().min(1).optional() }) })
      .optional(),
  })
  .superRefine((p, ctx) => {
    if (p.target.kind === 'selftest' && p.compare) {
      ctx.addIssue({ code: 'custom', path: ['compare'], message: 'comparison needs target.kind: sip (a FreeSWITCH target), not selftest' });
    }
    p.mix.forEach((m, i) => {
      if (p.target.kind === 'sip' && (m.scenario === 'originate' || m.scenario === 'race-ring-all-fork')) {
        ctx.addIssue({
          code: 'custom',
          path: ['mix', i, 'scenario'],
          message: `${m.scenario} stands in for the switch in the selftest; against FreeSWITCH the switch originates, so list the answering scenario under endpoints`,
        });
      }
      if (m.scenario === 'trunk-register' && !p.trunk) {
        ctx.addIssue({ code: 'custom', path: ['mix', i, 'scenario'], message: 'trunk-register needs a trunk section (username, passwordEnv)' });
      }
    });
  });

export type Profile = z.infer<typeof profileSchema>;

function fieldPath(p: readonly PropertyKey[]): string {
  return p.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), '') || '(profile)';
}

/** Validates already-parsed YAML. */
export function parseProfile(source: string, data: unknown): Profile {
  const result = profileSchema.safeParse(data);
  if (result.success) return result.data;
  throw new ProfileError(
    source,
    result.error.issues.map((i) => `${fieldPath(i.path)}: ${i.message}`),
  );
}

/** Parses YAML text; syntax errors name the line. */
export function parseProfileText(source: string, text: string): Profile {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ProfileError(source, doc.errors.map((e) => `line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`));
  }
  return parseProfile(source, doc.toJS());
}

/** A profile name (load-tests/profiles/<name>.yaml) or a path to a YAML file. */
export async function loadProfile(nameOrPath: string): Promise<Profile> {
  const file = /[/\\]|\.ya?ml$/.test(nameOrPath) ? path.resolve(nameOrPath) : path.join(PROFILE_DIR, `${nameOrPath}.yaml`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new ProfileError(file, [`cannot read the profile (no such file); profiles live in ${PROFILE_DIR}`]);
  }
  return parseProfileText(path.relative(process.cwd(), file) || file, text);
}
