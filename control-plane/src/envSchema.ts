/**
 * Parse environment variables with a zod schema and turn every failure into one line a
 * person can act on: the variable, the value given, and what is expected.
 */
import { z } from 'zod';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

/** A secret's value is never echoed back in an error. */
const SECRET_NAME = /PASSWORD|SECRET|TOKEN|KEY/i;

export function describeValue(name: string, value: string | undefined): string {
  if (value === undefined) return '(not set)';
  if (SECRET_NAME.test(name)) return '(hidden)';
  return JSON.stringify(value);
}

export function parseEnv<S extends z.ZodRawShape>(
  shape: S,
  env: Record<string, string | undefined>,
): z.infer<z.ZodObject<S>> {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(shape)) {
    const raw = env[key];
    input[key] = raw === '' ? undefined : raw;
  }
  const result = z.object(shape).safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '?');
    return `${name}=${describeValue(name, input[name])} is invalid: ${issue.message}`;
  });
  throw new ConfigError(problems);
}

/** Helpers for common variable shapes, with messages that say what is expected. */
export const envInt = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d+$/, { message: `expected a whole number from ${min} to ${max}` })
    .transform(Number)
    .pipe(z.number().min(min, { message: `expected at least ${min}` }).max(max, { message: `expected at most ${max}` }));

export const envNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/, { message: `expected a number from ${min} to ${max}` })
    .transform(Number)
    .pipe(z.number().min(min, { message: `expected at least ${min}` }).max(max, { message: `expected at most ${max}` }));

export const envBool = () =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
    .transform((v) => v === 'true' || v === '1' || v === 'yes');
