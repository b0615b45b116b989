/**
 * HTTP clients for the `http` node. `FetchHttpClient` is the real one (global fetch, a
 * hard timeout, bounded response size). `MockHttpClient` answers from rules and takes
 * its delays on the engine clock (virtual in the simulator) for `*.test.yaml` cases.
 */
import type { Clock } from '../clock.js';
import type { HttpClient, HttpRequest, HttpResponse } from './types.js';

export class HttpTimeoutError extends Error {
  override readonly name = 'HttpTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

const MAX_BODY_BYTES = 1_000_000;

export class FetchHttpClient implements HttpClient {
  /** Requests in flight (the test runner holds virtual time still while this is > 0). */
  inFlight = 0;

  async request(req: HttpRequest): Promise<HttpResponse> {
    const timeout = AbortSignal.timeout(req.timeoutMs);
    const signal = AbortSignal.any([req.signal, timeout]);
    this.inFlight++;
    try {
      const res = await fetch(req.url, {
        method: req.method,
        headers: { accept: 'application/json', ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}), ...req.headers },
        ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
        signal,
        redirect: 'follow',
      });
      const text = await res.text();
      if (text.length > MAX_BODY_BYTES) throw new Error(`response larger than ${MAX_BODY_BYTES} bytes`);
      let body: unknown = text;
      if ((res.headers.get('content-type') ?? '').includes('json') && text !== '') {
        try {
          body = JSON.parse(text) as unknown;
        } catch {
          throw new Error('response is not valid JSON');
        }
      }
      return { status: res.status, body };
    } catch (err) {
      if (timeout.aborted && !req.signal.aborted) throw new HttpTimeoutError(req.timeoutMs);
      throw err;
    } finally {
      this.inFlight--;
    }
  }
}

export interface MockHttpRule {
  method?: string;
  /** Exact URL, or with `*` matching any characters. */
  url: string;
  status?: number;
  body?: unknown;
  delayMs?: number;
  /** Fail instead of answering. */
  error?: 'network' | 'timeout';
}

export class MockHttpClient implements HttpClient {
  readonly requests: HttpRequest[] = [];
  constructor(
    private readonly clock: Clock,
    private readonly rules: MockHttpRule[],
  ) {}

  async request(req: HttpRequest): Promise<HttpResponse> {
    this.requests.push(req);
    const rule = this.rules.find((r) => (!r.method || r.method.toUpperCase() === req.method) && globMatch(r.url, req.url));
    if (!rule) throw new Error(`no mocked response for ${req.method} ${req.url}`);
    if (rule.error === 'timeout' || (rule.delayMs ?? 0) >= req.timeoutMs) {
      await this.clock.sleep(req.timeoutMs, req.signal);
      throw new HttpTimeoutError(req.timeoutMs);
    }
    if (rule.delayMs) await this.clock.sleep(rule.delayMs, req.signal);
    if (rule.error === 'network') throw new Error('connection refused');
    return { status: rule.status ?? 200, body: structuredClone(rule.body ?? {}) };
  }
}

function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(value);
}
