/**
 * The HTTP client under toxiproxy-node-client, with a timeout per request and retries. A busy
 * Toxiproxy (thousands of connections, a contended host) answers late or drops a request; a
 * fault action must not hang forever, nor fail on the first hiccup. Retried: network errors,
 * timeouts and 5xx. A retry that finds its first try already took effect (409 on create, 404 on
 * delete) counts as done.
 */
import type { Proxy as ToxiproxyProxy, Toxiproxy } from 'toxiproxy-node-client';

export interface RetryOptions {
  timeoutMs: number;
  attempts: number;
  backoffMs: number;
}
export const DEFAULT_RETRY: RetryOptions = { timeoutMs: 5_000, attempts: 4, backoffMs: 250 };

export class ToxiproxyApiError extends Error {
  override name = 'ToxiproxyApiError';
}

/** The four calls toxiproxy-node-client makes on its `api` object. */
class ResilientHttp {
  private readonly o: RetryOptions;
  constructor(o: RetryOptions) {
    this.o = o;
  }

  get(url: string) {
    return this.request('GET', url);
  }
  post(url: string, body?: unknown) {
    return this.request('POST', url, body);
  }
  async delete(url: string): Promise<void> {
    await this.request('DELETE', url);
  }
  async getText(url: string): Promise<string> {
    return (await this.doFetch(url, { method: 'GET' })).text();
  }

  private async request(method: string, url: string, body?: unknown): Promise<{ data: unknown }> {
    const init: RequestInit =
      body === undefined
        ? { method }
        : { method, body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } };
    const text = await (await this.doFetch(url, init)).text();
    return { data: text.length ? JSON.parse(text) : undefined };
  }

  private async doFetch(url: string, init: RequestInit): Promise<Response> {
    let last = '';
    for (let attempt = 1; attempt <= this.o.attempts; attempt++) {
      try {
        const res = await fetch(url, { ...init, signal: AbortSignal.timeout(this.o.timeoutMs) });
        if (res.ok) return res;
        if (
          attempt > 1 &&
          ((init.method === 'POST' && res.status === 409) || (init.method === 'DELETE' && res.status === 404))
        ) {
          // The earlier try took effect before its answer was lost.
          return new Response(typeof init.body === 'string' ? init.body : '', { status: 200 });
        }
        const text = (await res.text().catch(() => '')).slice(0, 200);
        last = `HTTP ${res.status}${text ? ` ${text.trim()}` : ''}`;
        if (res.status < 500) break;
      } catch (e) {
        const err = e as Error & { cause?: { code?: string; message?: string } };
        last =
          err.name === 'TimeoutError'
            ? `no answer within ${this.o.timeoutMs} ms`
            : `${err.message}${err.cause ? ` (${err.cause.code ?? err.cause.message})` : ''}`;
      }
      if (attempt < this.o.attempts) await new Promise((r) => setTimeout(r, this.o.backoffMs * 2 ** (attempt - 1)));
    }
    throw new ToxiproxyApiError(`${init.method ?? 'GET'} ${url}: ${last}`);
  }
}

/** Gives a client (and every proxy it creates from now on), or one proxy, timeouts and retries. */
export function makeResilient<T extends Toxiproxy | ToxiproxyProxy>(client: T, o: RetryOptions = DEFAULT_RETRY): T {
  (client as unknown as { api: unknown }).api = new ResilientHttp(o);
  return client;
}
