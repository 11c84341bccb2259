import { expect, test } from 'vitest';
import { RETRY_WINDOW_MS, retryDelayMs } from './retry-policy.js';

test('the first retry comes within 30 s, later ones double with jitter up to an hour', () => {
  for (const r of [0, 0.5, 0.999]) expect(retryDelayMs(1, () => r)).toBeLessThanOrEqual(30_000);
  expect(retryDelayMs(1, () => 0)).toBe(5_000);
  expect(retryDelayMs(2, () => 1)).toBe(20_000);
  expect(retryDelayMs(3, () => 0)).toBe(20_000);
  expect(retryDelayMs(50, () => 1)).toBe(3_600_000);
  expect(retryDelayMs(50, () => 0)).toBe(1_800_000);
});

test('attempts keep coming for the whole 72-hour window', () => {
  let elapsed = 0;
  let failures = 0;
  while (elapsed < RETRY_WINDOW_MS) elapsed += retryDelayMs(++failures, () => 1);
  expect(failures).toBeGreaterThan(70);
});
