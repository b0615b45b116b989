/**
 * Building FreeSWITCH command text from values that came from users, CRMs and lead
 * lists. Anything that could change the meaning of a command (a newline starts a new
 * ESL command, `${…}` expands, `}` ends a variable block, a quote ends a quoted value)
 * is either encoded in the one way FreeSWITCH reads unambiguously or refused before
 * anything is sent, with a message naming the field.
 */
import { MediaCommandError } from '../errors.js';

export class UnsafeValueError extends MediaCommandError {
  constructor(field: string, problem: string) {
    super('validate', `${field} ${problem}`);
  }
}

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;
const UUID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
/** Delimiters tried, in order, when a value holds a comma (FreeSWITCH `^^<c>` block syntax). */
const ALT_DELIMITERS = [';', ':', '|', '!', '~', '#', '@'];

/** Refuses text that would break out of one ESL command (CR, LF, NUL …). */
export function assertSafeCommand(command: string, field = 'command'): void {
  if (CONTROL.test(command)) throw new UnsafeValueError(field, 'contains a control character (newline, carriage return or NUL), which would start another ESL command');
}

export function assertVarName(name: string, field = 'variable name'): void {
  if (!VAR_NAME.test(name)) {
    throw new UnsafeValueError(`${field} ${JSON.stringify(name)}`, 'must start with a letter or _ and contain only letters, digits, _ . - (at most 128)');
  }
}

export function assertUuid(uuid: string, field = 'leg id'): void {
  if (!UUID.test(uuid)) throw new UnsafeValueError(`${field} ${JSON.stringify(uuid)}`, 'must contain only letters, digits, _ . - (at most 128)');
}

/**
 * Checks a channel variable value. Refused: control characters; quotes and backslashes
 * (FreeSWITCH's several parsing passes consume escapes differently); braces, brackets
 * and angle brackets (they open and close variable blocks); `${` (variable expansion);
 * a leading `^^` (delimiter redefinition).
 */
export function assertSafeValue(value: string, field: string): void {
  if (CONTROL.test(value)) throw new UnsafeValueError(field, 'contains a control character (newline, tab, NUL …)');
  const bad = /['"\\{}[\]<>]/.exec(value);
  if (bad) throw new UnsafeValueError(field, `contains ${JSON.stringify(bad[0])}, which FreeSWITCH cannot carry safely in a channel variable`);
  if (value.includes('${') || value.includes('$${')) throw new UnsafeValueError(field, 'contains "${", which FreeSWITCH would expand');
  if (value.startsWith('^^')) throw new UnsafeValueError(field, 'starts with "^^", which FreeSWITCH reads as a delimiter change');
  if (value.length > 1024) throw new UnsafeValueError(field, 'is longer than 1024 characters');
}

/**
 * `{name=value,…}` for an originate or bridge dial string. Values with spaces are
 * single-quoted; when any value contains a comma the block switches to FreeSWITCH's
 * `{^^;a=1,2;b=3}` form with a delimiter no value contains.
 */
export function variableBlock(vars: ReadonlyArray<readonly [string, string]>): string {
  if (vars.length === 0) return '';
  for (const [name, value] of vars) {
    assertVarName(name);
    assertSafeValue(value, `variable ${name}`);
  }
  const render = (value: string): string => (/\s/.test(value) || value === '' ? `'${value}'` : value);
  const needsDelimiter = vars.some(([, v]) => v.includes(','));
  if (!needsDelimiter) return `{${vars.map(([n, v]) => `${n}=${render(v)}`).join(',')}}`;
  const delimiter = ALT_DELIMITERS.find((d) => vars.every(([n, v]) => !v.includes(d) && !n.includes(d)));
  if (!delimiter) {
    throw new UnsafeValueError('variables', `contain commas together with every alternative delimiter (${ALT_DELIMITERS.join(' ')}); cannot build a safe variable block`);
  }
  return `{^^${delimiter}${vars.map(([n, v]) => `${n}=${render(v)}`).join(delimiter)}}`;
}

/** A SIP header name for `sip_h_`: custom headers are sent as X-<name>. */
export function sipHeaderVariable(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/.test(name)) {
    throw new UnsafeValueError(`SIP header name ${JSON.stringify(name)}`, 'must contain only letters, digits and - (at most 64)');
  }
  return `sip_h_${/^x-/i.test(name) ? name : `X-${name}`}`;
}

/**
 * One argument of an application or api command that is split on spaces (e.g. a file
 * path for play_and_get_digits). Refuses whitespace and control characters.
 */
export function assertSingleArg(value: string, field: string): void {
  if (value === '') throw new UnsafeValueError(field, 'is empty');
  if (/\s/.test(value)) throw new UnsafeValueError(field, `${JSON.stringify(value)} contains whitespace; this argument is split on spaces`);
  assertSafeCommand(value, field);
}

/** An application argument sent in a sendmsg header: one line, no control characters. */
export function assertAppArg(value: string, field: string): void {
  assertSafeCommand(value, field);
  if (value.length > 4096) throw new UnsafeValueError(field, 'is longer than 4096 characters');
}

const NUMBER = /^\+?[0-9*#]{1,32}$/;
const GATEWAY = /^[A-Za-z0-9_.-]{1,64}$/;
const USER = /^[A-Za-z0-9_.+-]{1,64}(@[A-Za-z0-9.-]{1,253})?$/;

export function assertDialNumber(number: string): void {
  if (!NUMBER.test(number)) throw new UnsafeValueError(`number ${JSON.stringify(number)}`, 'must be digits (optionally starting with +, and * or #), at most 32');
}
export function assertGateway(name: string): void {
  if (!GATEWAY.test(name)) throw new UnsafeValueError(`gateway ${JSON.stringify(name)}`, 'must contain only letters, digits, _ . - (at most 64)');
}
export function assertUser(user: string): void {
  if (!USER.test(user)) throw new UnsafeValueError(`user ${JSON.stringify(user)}`, 'must be a SIP user name (letters, digits, _ . + -), optionally @domain');
}
