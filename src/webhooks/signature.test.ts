import { createHmac } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { signRosterPayload, verifyRosterSignature } from './signature.js';

const body = '{"id":"e1","type":"user.created"}';
const t = 1_800_000_000;
const at = { nowSeconds: t };

describe('verifyRosterSignature', () => {
  test('accepts the HMAC of t.body computed independently', () => {
    const v1 = createHmac('sha256', 'whsec').update(`${t}.${body}`).digest('hex');
    expect(verifyRosterSignature('whsec', `t=${t},v1=${v1}`, body, at)).toBe(true);
    expect(verifyRosterSignature('whsec', `t=${t},v1=${v1}`, Buffer.from(body), at)).toBe(true);
  });

  test('accepts either secret during a rotation overlap, and refuses a third', () => {
    const header = signRosterPayload(['new', 'old'], t, body);
    expect(header.split(',')).toHaveLength(3);
    expect(verifyRosterSignature('new', header, body, at)).toBe(true);
    expect(verifyRosterSignature('old', header, body, at)).toBe(true);
    expect(verifyRosterSignature('other', header, body, at)).toBe(false);
  });

  test.each([
    ['a changed body', (h: string) => h, `${body} `],
    ['a changed timestamp', (h: string) => h.replace(`t=${t}`, `t=${t + 1}`), body],
    ['a missing t', (h: string) => h.replace(`t=${t},`, ''), body],
    ['a truncated v1', (h: string) => h.slice(0, -2), body],
    ['an empty header', () => '', body],
    ['a v0 scheme', (h: string) => h.replace('v1=', 'v0='), body],
  ])('refuses %s', (_name, mutate, received) => {
    const header = mutate(signRosterPayload(['s'], t, body));
    expect(verifyRosterSignature('s', header, received, at)).toBe(false);
  });

  test('refuses a timestamp outside the tolerance, either side', () => {
    const header = signRosterPayload(['s'], t, body);
    expect(verifyRosterSignature('s', header, body, { nowSeconds: t + 300 })).toBe(true);
    expect(verifyRosterSignature('s', header, body, { nowSeconds: t + 301 })).toBe(false);
    expect(verifyRosterSignature('s', header, body, { nowSeconds: t - 301 })).toBe(false);
    expect(verifyRosterSignature('s', header, body, { nowSeconds: t + 900, toleranceSeconds: 1000 })).toBe(
      true,
    );
  });

  test('refuses everything with an empty secret', () => {
    expect(verifyRosterSignature('', signRosterPayload([''], t, body), body, at)).toBe(false);
  });
});
