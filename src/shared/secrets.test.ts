import { expect, test } from 'vitest';
import { isUuid, newUuidV7 } from './ids.js';
import { SCIM_TOKEN_PREFIX, generateSecret, hashSecret, secretHint, digestMatches } from './secrets.js';

test('secrets are prefixed, carry 32 random bytes and never repeat', () => {
  const a = generateSecret(SCIM_TOKEN_PREFIX);
  const b = generateSecret(SCIM_TOKEN_PREFIX);
  expect(a).toMatch(/^rst_scim_[A-Za-z0-9_-]{43}$/);
  expect(a).not.toBe(b);
});

test('a secret matches only its own digest', () => {
  const secret = generateSecret(SCIM_TOKEN_PREFIX);
  expect(digestMatches(hashSecret(secret), hashSecret(secret))).toBe(true);
  expect(digestMatches(hashSecret(`${secret}x`), hashSecret(secret))).toBe(false);
  expect(digestMatches(hashSecret(secret), Buffer.alloc(3))).toBe(false);
});

test('the hint shows the prefix and four characters only', () => {
  expect(secretHint('rst_scim_abcdefgh')).toBe('rst_scim_abcd');
  expect(secretHint('rst_admin_abcdefgh')).toBe('rst_admin_abcd');
});

test('UUIDv7 ids are valid, versioned and time-ordered', () => {
  const early = newUuidV7(1_700_000_000_000);
  const late = newUuidV7(1_700_000_000_001);
  expect(isUuid(early)).toBe(true);
  expect(early[14]).toBe('7');
  expect(['8', '9', 'a', 'b']).toContain(early[19]);
  expect(early < late).toBe(true);
});

test('UUIDv7 ids drawn across many refills of the random pool never repeat and keep their layout', () => {
  const now = 1_700_000_000_000;
  const ids = Array.from({ length: 5_000 }, () => newUuidV7(now));
  expect(new Set(ids).size).toBe(ids.length);
  for (const id of ids) {
    expect(id).toMatch(/^018bcfe5-6800-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  }
  // The 12 random bits after the version: 5,000 uniform draws from 4,096 values give 2,888 distinct ones on
  // average (a few dozen either way); reused or patterned pool bytes would give far fewer.
  const distinct = new Set(ids.map((id) => id.slice(15, 18))).size;
  expect(distinct).toBeGreaterThan(2_750);
  expect(distinct).toBeLessThan(3_030);
});
