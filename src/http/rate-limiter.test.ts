import { expect, test } from 'vitest';
import { RateLimiter } from './rate-limiter.js';

test('a bucket allows its burst, then refills at the configured rate', () => {
  let now = 0;
  const limiter = new RateLimiter(2, 3, () => now);
  expect([1, 2, 3].map(() => limiter.take('a').allowed)).toEqual([true, true, true]);
  const refused = limiter.take('a');
  expect(refused).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
  now += 500; // half a second refills one token at 2/s
  expect(limiter.take('a').allowed).toBe(true);
  expect(limiter.take('a').allowed).toBe(false);
});

test('buckets are independent per key', () => {
  const limiter = new RateLimiter(1, 1, () => 0);
  expect(limiter.take('a').allowed).toBe(true);
  expect(limiter.take('a').allowed).toBe(false);
  expect(limiter.take('b').allowed).toBe(true);
});

test('a rate of zero disables limiting', () => {
  const limiter = new RateLimiter(0, 1, () => 0);
  for (let i = 0; i < 100; i++) expect(limiter.take('a').allowed).toBe(true);
});

test('Retry-After rounds up to whole seconds at slow rates', () => {
  const limiter = new RateLimiter(0.1, 1, () => 0);
  limiter.take('a');
  expect(limiter.take('a').retryAfterSeconds).toBe(10);
});
