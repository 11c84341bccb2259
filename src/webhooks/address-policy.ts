/**
 * SSRF guard for webhook targets. A URL is acceptable when it is http(s), carries no credentials, and every
 * address its host resolves to is public. The check runs at creation and again for every connection the sender
 * opens (its `lookup` hook validates the very address it connects to), so a DNS answer that changes after
 * creation (rebinding) cannot reach an internal address. `ROSTER_ALLOW_PRIVATE_WEBHOOKS` turns the address part
 * off for development and tests.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export type AddressClass =
  'public' | 'unspecified' | 'loopback' | 'private' | 'shared' | 'link-local' | 'multicast' | 'reserved';

type V4Rule = readonly [a: number, b: number, c: number, d: number, bits: number, cls: AddressClass];

// RFC 6890 special-purpose blocks a webhook has no business reaching.
const V4_RULES: readonly V4Rule[] = [
  [0, 0, 0, 0, 8, 'unspecified'],
  [10, 0, 0, 0, 8, 'private'],
  [100, 64, 0, 0, 10, 'shared'], // RFC 6598 carrier-grade NAT
  [127, 0, 0, 0, 8, 'loopback'],
  [169, 254, 0, 0, 16, 'link-local'], // includes cloud metadata at 169.254.169.254
  [172, 16, 0, 0, 12, 'private'],
  [192, 0, 0, 0, 24, 'reserved'],
  [192, 168, 0, 0, 16, 'private'],
  [198, 18, 0, 0, 15, 'reserved'],
  [224, 0, 0, 0, 4, 'multicast'],
  [240, 0, 0, 0, 4, 'reserved'], // includes 255.255.255.255
];

function classifyV4(b: readonly number[]): AddressClass {
  const value = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  for (const [a, b1, c, d, bits, cls] of V4_RULES) {
    const base = ((a << 24) | (b1 << 16) | (c << 8) | d) >>> 0;
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    if ((value & mask) >>> 0 === base) return cls;
  }
  return 'public';
}

function v6Bytes(address: string): number[] | undefined {
  let text = address.split('%')[0]!; // drop a zone id
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    const v4 = text
      .slice(lastColon + 1)
      .split('.')
      .map(Number);
    tail.push(...v4);
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const fill = rest === undefined ? 0 : 8 - left.length - right.length;
  const all = [...left, ...Array<number>(fill).fill(0), ...right];
  if (all.length !== 8 || all.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) return undefined;
  const bytes = all.flatMap((g) => [g >> 8, g & 0xff]);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

const startsWith = (bytes: readonly number[], prefix: readonly number[]) =>
  prefix.every((p, i) => bytes[i] === p);

function classifyV6(b: readonly number[]): AddressClass {
  const zero12 = b.slice(0, 12).every((x) => x === 0);
  if (zero12 && b.slice(12).every((x) => x === 0)) return 'unspecified';
  if (zero12 && b[15] === 1 && b.slice(12, 15).every((x) => x === 0)) return 'loopback';
  const v4 = b.slice(12);
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) embed an IPv4 target.
  if (startsWith(b, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]) || zero12) return classifyV4(v4);
  if (startsWith(b, [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0])) return classifyV4(v4);
  if (b[0] === 0x20 && b[1] === 0x02) return classifyV4(b.slice(2, 6)); // 6to4
  if ((b[0]! & 0xfe) === 0xfc) return 'private'; // fc00::/7 unique local
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return 'link-local'; // fe80::/10
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0xc0) return 'private'; // fec0::/10 site-local (deprecated)
  if (b[0] === 0xff) return 'multicast';
  return 'public';
}

/** What kind of address `ip` (a literal IPv4 or IPv6 address) is; `reserved` for anything unparseable. */
export function classifyAddress(ip: string): AddressClass {
  const family = isIP(ip.split('%')[0]!);
  if (family === 4) return classifyV4(ip.split('.').map(Number));
  if (family === 6) {
    const bytes = v6Bytes(ip);
    return bytes ? classifyV6(bytes) : 'reserved';
  }
  return 'reserved';
}

export type UrlVerdict =
  { readonly ok: true; readonly url: URL } | { readonly ok: false; readonly reason: string };

/** The URL's shape alone: http(s), no credentials, a host. */
export function checkUrlShape(raw: string): UrlVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'url is not a valid absolute URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { ok: false, reason: 'url must be http or https' };
  if (url.username || url.password) return { ok: false, reason: 'url must not carry credentials' };
  if (!url.hostname) return { ok: false, reason: 'url has no host' };
  return { ok: true, url };
}

/** Refuses `address` unless it is public or private targets are allowed. */
export function checkAddress(address: string, allowPrivate: boolean): string | undefined {
  const cls = classifyAddress(address);
  return cls === 'public' || allowPrivate ? undefined : `resolves to a ${cls} address`;
}

/** The full check at creation: shape, then every address the host resolves to. */
export async function checkWebhookUrl(raw: string, allowPrivate: boolean): Promise<UrlVerdict> {
  const shape = checkUrlShape(raw);
  if (!shape.ok) return shape;
  const host = shape.url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch {
      return { ok: false, reason: `url host ${host} does not resolve` };
    }
  }
  for (const address of addresses) {
    const refused = checkAddress(address, allowPrivate);
    if (refused) return { ok: false, reason: `url host ${host} ${refused}` };
  }
  return shape;
}
