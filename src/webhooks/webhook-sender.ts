/**
 * One HTTP POST to a webhook endpoint: no redirects followed, a hard timeout, the response body discarded
 * (capped), and the SSRF check applied to the address actually connected to (the agents' `lookup` hook), so a
 * DNS answer that changed since the webhook was created cannot reach an internal address.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { type LookupFunction, isIP } from 'node:net';
import { checkAddress } from './address-policy.js';

export interface SendResult {
  readonly ok: boolean;
  /** `null` when no response arrived. */
  readonly statusCode: number | null;
  readonly latencyMs: number;
  /** A short description of the failure, never a body or a secret. */
  readonly error: string | null;
}

const MAX_RESPONSE_BYTES = 64 * 1024;

export class WebhookSender {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(
    private readonly options: {
      readonly timeoutMs: number;
      readonly allowPrivate: boolean;
      readonly maxSockets: number;
    },
  ) {
    const lookup = guardedLookup(options.allowPrivate);
    const common = { keepAlive: true, maxSockets: options.maxSockets, lookup };
    this.httpAgent = new http.Agent(common);
    this.httpsAgent = new https.Agent(common);
  }

  async send(rawUrl: string, body: string, headers: Readonly<Record<string, string>>): Promise<SendResult> {
    const started = performance.now();
    const done = (statusCode: number | null, error: string | null): SendResult => ({
      ok: statusCode !== null && statusCode >= 200 && statusCode < 300,
      statusCode,
      latencyMs: Math.round(performance.now() - started),
      error,
    });
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      return done(null, 'invalid url');
    }
    // Literal addresses skip `lookup`, so they are checked here.
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) {
      const refused = checkAddress(host, this.options.allowPrivate);
      if (refused) return done(null, `refused: ${host} ${refused}`);
    }
    const client = url.protocol === 'https:' ? https : http;
    const agent = url.protocol === 'https:' ? this.httpsAgent : this.httpAgent;
    return new Promise<SendResult>((resolve) => {
      let settled = false;
      const finish = (result: SendResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const req = client.request(
        url,
        {
          method: 'POST',
          agent,
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        },
        (res) => {
          let received = 0;
          res.on('data', (chunk: Buffer) => {
            received += chunk.length;
            if (received > MAX_RESPONSE_BYTES) res.destroy();
          });
          const status = res.statusCode ?? null;
          const error =
            status !== null && status >= 300 && status < 400
              ? `HTTP ${status} (redirects are not followed)`
              : status !== null && (status < 200 || status >= 300)
                ? `HTTP ${status}`
                : null;
          res.on('end', () => finish(done(status, error)));
          res.on('close', () => finish(done(status, error)));
          res.on('error', () => finish(done(status, error)));
        },
      );
      const timer = setTimeout(() => {
        req.destroy(new Error(`timed out after ${this.options.timeoutMs} ms`));
      }, this.options.timeoutMs);
      req.on('error', (error: Error & { code?: string }) =>
        finish(done(null, (error.code ? `${error.code}: ` : '') + error.message.slice(0, 200))),
      );
      req.end(body);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 4);
      for (const a of addresses) {
        const refused = checkAddress(a.address, allowPrivate);
        if (refused) {
          const err = Object.assign(new Error(`refused: ${hostname} ${refused}`), { code: 'ESSRF' });
          return callback(err, '', 4);
        }
      }
      const first = addresses[0];
      if (!first)
        return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 4);
      if ((options as { all?: boolean }).all)
        return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
      callback(null, first.address, first.family);
    });
  };
}
