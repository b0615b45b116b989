/**
 * A small SIP-over-UDP user agent for the edge tests: it places calls through Kamailio
 * (INVITE → final reply → ACK → BYE) and sends OPTIONS, bound to a chosen loopback
 * address so a test can play a trunk, an unknown host or a scanner. It only understands
 * what these tests need; it is not a SIP stack.
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';

export interface SipMessage {
  firstLine: string;
  status: number | null;
  headers: Map<string, string[]>;
  body: string;
}

export interface CallResult {
  /** Final status code, or 0 when nothing final came back before the timeout. */
  status: number;
  /** The X-Node header of the 2xx (which stand-in node took the call). */
  node: string | null;
  /** Time from INVITE to the final reply. */
  setupMs: number;
}

const COMPACT: Record<string, string> = { v: 'via', f: 'from', t: 'to', i: 'call-id', m: 'contact', l: 'content-length', c: 'content-type' };

export function parseSip(raw: string): SipMessage {
  const split = raw.indexOf('\r\n\r\n');
  const head = split >= 0 ? raw.slice(0, split) : raw;
  const body = split >= 0 ? raw.slice(split + 4) : '';
  const [firstLine = '', ...lines] = head.split('\r\n');
  const headers = new Map<string, string[]>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    let name = line.slice(0, colon).trim().toLowerCase();
    name = COMPACT[name] ?? name;
    const value = line.slice(colon + 1).trim();
    headers.set(name, [...(headers.get(name) ?? []), value]);
  }
  const m = /^SIP\/2\.0 (\d{3})/.exec(firstLine);
  return { firstLine, status: m ? Number(m[1]) : null, headers, body };
}

function header(msg: SipMessage, name: string): string | undefined {
  return msg.headers.get(name)?.[0];
}

/** All values of a header that may be repeated or comma-separated (Record-Route). */
function headerList(msg: SipMessage, name: string): string[] {
  return (msg.headers.get(name) ?? []).flatMap((v) => v.split(/,(?=\s*<)/).map((s) => s.trim()));
}

function uriOf(nameAddr: string): string {
  const m = /<([^>]+)>/.exec(nameAddr);
  return m ? m[1]! : nameAddr.split(';')[0]!;
}

const token = (): string => randomBytes(6).toString('hex');

interface Waiter {
  onMessage(msg: SipMessage): void;
}

export class SipUserAgent {
  readonly #socket: Socket;
  readonly #waiters = new Map<string, Waiter>();
  readonly localIp: string;
  #port = 0;

  private constructor(localIp: string) {
    this.localIp = localIp;
    this.#socket = createSocket('udp4');
    this.#socket.on('message', (buf) => this.#dispatch(parseSip(buf.toString('utf8'))));
  }

  static async bind(localIp: string): Promise<SipUserAgent> {
    const ua = new SipUserAgent(localIp);
    await new Promise<void>((resolve, reject) => {
      ua.#socket.once('error', reject);
      ua.#socket.bind(0, localIp, () => resolve());
    });
    ua.#port = ua.#socket.address().port;
    return ua;
  }

  close(): void {
    this.#socket.close();
  }

  #dispatch(msg: SipMessage): void {
    if (msg.status === null) return; // requests to us (none expected) are ignored
    const key = `${header(msg, 'call-id')}|${header(msg, 'cseq')}`;
    this.#waiters.get(key)?.onMessage(msg);
  }

  #send(text: string, host: string, port: number): void {
    this.#socket.send(Buffer.from(text, 'utf8'), port, host);
  }

  #request(lines: string[], body = ''): string {
    return [...lines, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
  }

  /** Waits for the final reply of one transaction (provisional replies are skipped). */
  #finalReply(callId: string, cseq: string, timeoutMs: number, onProvisional?: (m: SipMessage) => void): Promise<SipMessage | null> {
    const key = `${callId}|${cseq}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(key);
        resolve(null);
      }, timeoutMs);
      this.#waiters.set(key, {
        onMessage: (msg) => {
          if ((msg.status ?? 0) < 200) {
            onProvisional?.(msg);
            return;
          }
          clearTimeout(timer);
          this.#waiters.delete(key);
          resolve(msg);
        },
      });
    });
  }

  /** OPTIONS to the edge; resolves with the status, or 0 when there is no reply. */
  async options(host: string, port: number, timeoutMs = 500, userAgent = 'switchboard-test'): Promise<number> {
    const callId = `${token()}@${this.localIp}`;
    const text = this.#request([
      `OPTIONS sip:${host}:${port} SIP/2.0`,
      `Via: SIP/2.0/UDP ${this.localIp}:${this.#port};branch=z9hG4bK${token()};rport`,
      'Max-Forwards: 70',
      `From: <sip:probe@${this.localIp}>;tag=${token()}`,
      `To: <sip:${host}:${port}>`,
      `Call-ID: ${callId}`,
      'CSeq: 1 OPTIONS',
      `User-Agent: ${userAgent}`,
    ]);
    const reply = this.#finalReply(callId, '1 OPTIONS', timeoutMs);
    this.#send(text, host, port);
    return (await reply)?.status ?? 0;
  }

  /**
   * A whole call through the edge at host:port: INVITE; on 2xx, ACK and BYE along the
   * record-routed path; on a failure reply, the ACK a UAC owes for it.
   */
  async call(host: string, port: number, options: { to?: string; userAgent?: string; timeoutMs?: number } = {}): Promise<CallResult> {
    const to = options.to ?? '+18005550100';
    const callId = `${token()}@${this.localIp}`;
    const fromTag = token();
    const branch = `z9hG4bK${token()}`;
    const via = `Via: SIP/2.0/UDP ${this.localIp}:${this.#port};branch=${branch};rport`;
    const from = `From: <sip:+15551230001@${this.localIp}>;tag=${fromTag}`;
    const sdp = [
      'v=0',
      `o=caller 1 1 IN IP4 ${this.localIp}`,
      's=-',
      `c=IN IP4 ${this.localIp}`,
      't=0 0',
      'm=audio 40000 RTP/AVP 0',
      'a=rtpmap:0 PCMU/8000',
      '',
    ].join('\r\n');
    const invite = this.#request(
      [
        `INVITE sip:${to}@${host}:${port} SIP/2.0`,
        via,
        'Max-Forwards: 70',
        from,
        `To: <sip:${to}@${host}>`,
        `Call-ID: ${callId}`,
        'CSeq: 1 INVITE',
        `Contact: <sip:caller@${this.localIp}:${this.#port}>`,
        `User-Agent: ${options.userAgent ?? 'switchboard-test-trunk'}`,
        'Content-Type: application/sdp',
      ],
      sdp,
    );
    const started = performance.now();
    const reply = this.#finalReply(callId, '1 INVITE', options.timeoutMs ?? 8000);
    this.#send(invite, host, port);
    const final = await reply;
    const setupMs = performance.now() - started;
    if (!final) return { status: 0, node: null, setupMs };
    const status = final.status!;
    const toHeader = header(final, 'to') ?? `<sip:${to}@${host}>`;

    if (status >= 300) {
      // Hop-by-hop ACK for a failure reply: same branch, same To tag.
      this.#send(
        this.#request([`ACK sip:${to}@${host}:${port} SIP/2.0`, via, 'Max-Forwards: 70', from, `To: ${toHeader}`, `Call-ID: ${callId}`, 'CSeq: 1 ACK']),
        host,
        port,
      );
      return { status, node: null, setupMs };
    }

    // 2xx: ACK and BYE are new requests to the node's Contact, through the edge's Record-Route.
    const target = uriOf(header(final, 'contact') ?? `<sip:${to}@${host}:${port}>`);
    const routes = headerList(final, 'record-route').reverse();
    const routeLines = routes.length > 0 ? [`Route: ${routes.join(', ')}`] : [];
    const inDialog = (method: string, cseq: number): string =>
      this.#request([
        `${method} ${target} SIP/2.0`,
        `Via: SIP/2.0/UDP ${this.localIp}:${this.#port};branch=z9hG4bK${token()};rport`,
        'Max-Forwards: 70',
        ...routeLines,
        from,
        `To: ${toHeader}`,
        `Call-ID: ${callId}`,
        `CSeq: ${cseq} ${method}`,
      ]);
    this.#send(inDialog('ACK', 1), host, port);
    const byeReply = this.#finalReply(callId, '2 BYE', 2000);
    this.#send(inDialog('BYE', 2), host, port);
    await byeReply;
    return { status, node: header(final, 'x-node') ?? null, setupMs };
  }
}
