/**
 * `transaction` with state kept by `transactionState`: one object per key for the whole transaction, and a fresh
 * one in the next transaction on the same connection, whether the first committed or rolled back.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { transaction, transactionState } from '../../src/db/database.js';
import { type TestDatabase, createTestDatabase } from '../support/test-database.js';

let db: TestDatabase;

beforeAll(async () => {
  // One connection, so every transaction below runs on the same one.
  db = await createTestDatabase(1);
});
afterAll(() => db.close());

const counter = (tx: Parameters<typeof transactionState>[0], key = 'n') =>
  transactionState(tx, key, () => ({ n: 0 }));

test('transaction state lasts one transaction, on a connection the next transaction reuses', async () => {
  const pids: number[] = [];
  const seen = await transaction(db.pool, async (tx) => {
    pids.push((await tx.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid);
    counter(tx).n += 2;
    counter(tx).n += 3;
    counter(tx, 'other').n += 1;
    return [counter(tx).n, counter(tx, 'other').n];
  });
  expect(seen).toEqual([5, 1]);

  await expect(
    transaction(db.pool, async (tx) => {
      pids.push((await tx.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid);
      expect(counter(tx).n).toBe(0);
      counter(tx).n = 7;
      throw new Error('work failed');
    }),
  ).rejects.toThrow('work failed');

  const after = await transaction(db.pool, async (tx) => {
    pids.push((await tx.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid);
    return counter(tx).n;
  });
  expect(after).toBe(0);
  expect(new Set(pids).size).toBe(1);
  expect(() => counter(db.pool)).toThrow('not inside a transaction');
});
