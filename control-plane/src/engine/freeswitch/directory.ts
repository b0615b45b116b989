/**
 * The FreeSWITCH user directory served to mod_xml_curl: an agent created through the
 * API can register at once, and one removed (or whose SIP access is cleared) cannot.
 * Passwords never leave the control plane: the directory carries the digest `a1-hash`.
 *
 * The lead mounts `createDirectoryRouter({ lookup })` (e.g. at `/freeswitch/directory`)
 * and points xml_curl's `gateway-url` at it (freeswitch-conf/autoload_configs/xml_curl.conf.xml).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { Logger } from '../../logger.js';

export interface SipAccount {
  /** SIP user name the phone registers as. */
  user: string;
  /** md5(user:realm:password), lower-case hex. */
  a1Hash: string;
  agentId: string;
  displayName?: string;
}

/** Finds the account for `user` in `domain` (realm), or null when there is none. */
export type DirectoryLookup = (user: string, domain: string) => Promise<SipAccount | null>;

export interface DirectoryRouterOptions {
  lookup: DirectoryLookup;
  logger: Logger;
  /** HTTP basic credentials xml_curl sends (`gateway-credentials`); when set, others get 401. */
  basicAuth?: { user: string; password: string };
  /** Dialplan context for calls agents place (default `agents`). */
  userContext?: string;
}

/** The digest HA1 FreeSWITCH checks a REGISTER against. */
export function sipA1Hash(user: string, realm: string, password: string): string {
  return createHash('md5').update(`${user}:${realm}:${password}`).digest('hex');
}

const SIP_USER = /^[A-Za-z0-9_.+-]{1,64}$/;
const SIP_DOMAIN = /^[A-Za-z0-9.-]{1,253}$/;

const requestSchema = z.object({
  section: z.string(),
  user: z.string().regex(SIP_USER, { message: 'user must be a SIP user name (letters, digits, _ . + -)' }).optional(),
  domain: z.string().regex(SIP_DOMAIN, { message: 'domain must be a host name' }).optional(),
  action: z.string().optional(),
});

export function xmlEscape(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

export const NOT_FOUND_XML = '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<document type="freeswitch/xml">\n  <section name="result">\n    <result status="not found"/>\n  </section>\n</document>\n';

export function directoryXml(domain: string, account: SipAccount, userContext: string): string {
  const d = xmlEscape(domain);
  const vars: Array<[string, string]> = [
    ['user_context', userContext],
    ['switchboard_agent_id', account.agentId],
    ['effective_caller_id_number', account.user],
    ...(account.displayName ? ([['effective_caller_id_name', account.displayName]] as Array<[string, string]>) : []),
  ];
  return [
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
    '<document type="freeswitch/xml">',
    '  <section name="directory">',
    `    <domain name="${d}">`,
    '      <params>',
    '        <param name="dial-string" value="{^^:sip_invite_domain=${dialed_domain}:presence_id=${dialed_user}@${dialed_domain}}${sofia_contact(*/${dialed_user}@${dialed_domain})}"/>',
    '      </params>',
    '      <groups>',
    '        <group name="agents">',
    '          <users>',
    `            <user id="${xmlEscape(account.user)}">`,
    '              <params>',
    `                <param name="a1-hash" value="${xmlEscape(account.a1Hash)}"/>`,
    '              </params>',
    '              <variables>',
    ...vars.map(([n, v]) => `                <variable name="${n}" value="${xmlEscape(v)}"/>`),
    '              </variables>',
    '            </user>',
    '          </users>',
    '        </group>',
    '      </groups>',
    '    </domain>',
    '  </section>',
    '</document>',
    '',
  ].join('\n');
}

function basicAuthOk(req: Request, expected: { user: string; password: string }): boolean {
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) return false;
  const given = Buffer.from(Buffer.from(header.slice(6), 'base64').toString('utf8'));
  const want = Buffer.from(`${expected.user}:${expected.password}`);
  return given.length === want.length && timingSafeEqual(given, want);
}

export function createDirectoryRouter(options: DirectoryRouterOptions): Router {
  const router = express.Router();
  const context = options.userContext ?? 'agents';
  router.use(express.urlencoded({ extended: false, limit: '64kb' }));
  const handle = async (req: Request, res: Response): Promise<void> => {
    res.type('text/xml');
    if (options.basicAuth && !basicAuthOk(req, options.basicAuth)) {
      res.status(401).set('WWW-Authenticate', 'Basic realm="switchboard-directory"').send(NOT_FOUND_XML);
      return;
    }
    const parsed = requestSchema.safeParse({ ...(req.query as Record<string, unknown>), ...((req.body ?? {}) as Record<string, unknown>) });
    if (!parsed.success) {
      options.logger.warn({ problem: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') }, 'directory request refused');
      res.send(NOT_FOUND_XML);
      return;
    }
    const { section, user, domain } = parsed.data;
    if (section !== 'directory' || !user || !domain) {
      res.send(NOT_FOUND_XML);
      return;
    }
    const account = await options.lookup(user, domain);
    if (!account) {
      options.logger.info({ user, domain }, 'directory: no such SIP user');
      res.send(NOT_FOUND_XML);
      return;
    }
    res.send(directoryXml(domain, account, context));
  };
  router.post('/', (req, res, next) => {
    handle(req, res).catch(next);
  });
  router.get('/', (req, res, next) => {
    handle(req, res).catch(next);
  });
  return router;
}

/** Directory lookup over the `agents` table (sip_user, sip_realm, sip_ha1). */
export function agentDirectoryLookup(db: Knex): DirectoryLookup {
  return async (user, domain) => {
    const row = (await db('agents').select('id', 'name', 'sip_user', 'sip_ha1').where({ sip_user: user, sip_realm: domain }).whereNotNull('sip_ha1').first()) as
      | { id: string; name: string; sip_user: string; sip_ha1: string }
      | undefined;
    if (!row) return null;
    return { user: row.sip_user, a1Hash: row.sip_ha1, agentId: row.id, displayName: row.name };
  };
}

const credentialsSchema = z.object({
  user: z.string().regex(SIP_USER, { message: 'SIP user must be 1–64 letters, digits, _ . + -' }),
  realm: z.string().regex(SIP_DOMAIN, { message: 'SIP realm must be a host name' }),
  password: z.string().min(8, { message: 'SIP password must be at least 8 characters' }).max(128, { message: 'SIP password must be at most 128 characters' }),
});

/**
 * Gives an agent SIP access: stores the user, realm and HA1 (the password is not kept).
 * Throws with a message naming the field when the input is unusable; nothing is written then.
 */
export async function setAgentSipCredentials(db: Knex, agentId: string, input: { user: string; realm: string; password: string }): Promise<void> {
  const parsed = credentialsSchema.safeParse(input);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join('; '));
  const { user, realm, password } = parsed.data;
  const updated = await db('agents')
    .where({ id: agentId })
    .update({ sip_user: user, sip_realm: realm, sip_ha1: sipA1Hash(user, realm, password), updated_at: db.fn.now() });
  if (updated === 0) throw new Error(`agent ${agentId} does not exist`);
}

/** Removes an agent's SIP access: the next REGISTER is refused. */
export async function clearAgentSipCredentials(db: Knex, agentId: string): Promise<void> {
  await db('agents').where({ id: agentId }).update({ sip_ha1: null, updated_at: db.fn.now() });
}
