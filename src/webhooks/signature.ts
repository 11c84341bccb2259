/**
 * The `Roster-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>`. During a
 * secret rotation's overlap the header carries one `v1=` per live secret (newest first), so a receiver holding
 * either secret accepts it. Pure: no I/O, no clock except the one passed in. Exported from the package entry.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'Roster-Signature';

export interface VerifyOptions {
  /** How far `t` may be from now, in seconds (default 300): bounds the replay of a captured request. */
  readonly toleranceSeconds?: number;
  /** The current time in Unix seconds (default: the system clock); for tests. */
  readonly nowSeconds?: number;
}

const hmac = (secret: string, t: number, body: string | Uint8Array): Buffer =>
  createHmac('sha256', secret).update(`${t}.`).update(body).digest();

/** The header value for `body`, signed at `t` (Unix seconds) with each of `secrets`. */
export function signRosterPayload(secrets: readonly string[], t: number, body: string | Uint8Array): string {
  return [`t=${t}`, ...secrets.map((s) => `v1=${hmac(s, t, body).toString('hex')}`)].join(',');
}

/**
 * True when `header` is a well-formed `Roster-Signature` whose `t` is within the tolerance and one of whose
 * `v1` values is the HMAC of `rawBody` (the exact bytes received, before any JSON parsing) under `secret`.
 * Every candidate is compared in constant time.
 */
export function verifyRosterSignature(
  secret: string,
  header: string | undefined | null,
  rawBody: string | Uint8Array,
  options: VerifyOptions = {},
): boolean {
  if (!header || !secret) return false;
  let t: number | undefined;
  const candidates: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) t = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) candidates.push(Buffer.from(value, 'hex'));
  }
  if (t === undefined || candidates.length === 0) return false;
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (options.toleranceSeconds ?? 300)) return false;
  const expected = hmac(secret, t, rawBody);
  let ok = false;
  for (const candidate of candidates) ok = timingSafeEqual(candidate, expected) || ok;
  return ok;
}
