import { describe, expect, test } from 'vitest';
import type { PresentedCredential } from '../db/credential-store.js';
import { CredentialCache } from './credential-cache.js';

const credential = (id: string): PresentedCredential =>
  ({ id, kind: 'scim_token', lastUsedAt: null }) as unknown as PresentedCredential;

describe('CredentialCache', () => {
  test('stores nothing and answers nothing until invalidations are being received', () => {
    const cache = new CredentialCache();
    cache.store('k', credential('a'), cache.generation);
    expect(cache.lookup('k')).toBeUndefined();
    cache.setLive(true);
    cache.store('k', credential('a'), cache.generation);
    expect(cache.lookup('k')?.id).toBe('a');
  });

  test('a read that started before an invalidation is not stored', () => {
    const cache = new CredentialCache();
    cache.setLive(true);
    const before = cache.generation;
    cache.invalidate(); // e.g. a revocation committed while the read was in flight
    cache.store('k', credential('stale'), before);
    expect(cache.lookup('k')).toBeUndefined();
  });

  test('losing the listening session empties the cache and turns it off', () => {
    const cache = new CredentialCache();
    cache.setLive(true);
    cache.store('k', credential('a'), cache.generation);
    cache.setLive(false);
    expect(cache.size).toBe(0);
    cache.store('k', credential('a'), cache.generation);
    expect(cache.lookup('k')).toBeUndefined();
  });

  test('entries expire after the time to live', () => {
    let now = 1_000;
    const cache = new CredentialCache(10, 500, () => now);
    cache.setLive(true);
    cache.store('k', credential('a'), cache.generation);
    now += 400;
    expect(cache.lookup('k')).toBeDefined();
    now += 200;
    expect(cache.lookup('k')).toBeUndefined();
  });

  test('holds at most maxEntries, dropping the oldest', () => {
    const cache = new CredentialCache(2);
    cache.setLive(true);
    for (const k of ['a', 'b', 'c']) cache.store(k, credential(k), cache.generation);
    expect(cache.size).toBe(2);
    expect(cache.lookup('a')).toBeUndefined();
    expect(cache.lookup('c')?.id).toBe('c');
  });

  test('noteUse records the last-used time without extending the entry', () => {
    let now = 0;
    const cache = new CredentialCache(10, 100, () => now);
    cache.setLive(true);
    cache.store('k', credential('a'), cache.generation);
    const at = new Date('2026-01-01T00:00:00Z');
    now = 90;
    cache.noteUse('k', at);
    expect(cache.lookup('k')?.lastUsedAt).toEqual(at);
    now = 150;
    expect(cache.lookup('k')).toBeUndefined();
  });
});
