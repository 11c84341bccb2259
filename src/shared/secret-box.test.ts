import { randomBytes } from 'node:crypto';
import { expect, test } from 'vitest';
import { SecretBox } from './secret-box.js';

test('a sealed secret opens with the same key, is not stored in clear, and fails with another key', () => {
  const key = randomBytes(32);
  const sealed = new SecretBox(key).seal('rst_whsec_abc');
  expect(sealed).not.toContain('rst_whsec_abc');
  expect(new SecretBox(key).open(sealed)).toBe('rst_whsec_abc');
  expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow();
  expect(() => new SecretBox(undefined).open(sealed)).toThrow(/ROSTER_WEBHOOK_SECRETS_KEY/);
});

test('without a key secrets are stored plain, and stay readable once a key is configured', () => {
  const sealed = new SecretBox(undefined).seal('s');
  expect(new SecretBox(randomBytes(32)).open(sealed)).toBe('s');
});
