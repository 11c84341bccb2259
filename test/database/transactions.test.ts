/**
 * `transaction` with statements registered by `atCommit`: they run in the same message as the COMMIT (once the
 * connection has prepared them), their state collects what the work added, and an error in one rolls the whole
 * transaction back and leaves the connection usable.
 */
import pg from 'pg';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import {
  type PreparedQuery,
  atCommit,
  pendingAtCommit,
  prepared,
  query,
  sql,
  transaction,
} from '../../src/db/database.js';
import { newUuidV7 } from '../../src/shared/ids.js';
import { type TestDatabase, createTestDatabase } from '../support/test-database.js';

let db: TestDatabase;

beforeAll(async () => {
  // One connection, so every transaction below runs on the same one.
  db = await createTestDatabase(1);
  await db.pool.query('create table at_commit_rows (n int not null, source text not null)');
});
afterAll(() => db.close());

/** Inserts the collected numbers, dividing each by `divisor` (0 makes the statement fail). */
const insertAll = (divisor: number) => (numbers: number[]) =>
  prepared(
    sql`insert into at_commit_rows (n, source) select v / ${divisor}::int, 'final' from unnest(${numbers}::int[]) v`,
  );

/** Runs a transaction that writes `n` itself and registers `numbers` (in two calls) for the final statement. */
async function write(n: number, numbers: number[], divisor: number) {
  return transaction(db.pool, async (tx) => {
    await tx.query(`insert into at_commit_rows (n, source) values ($1, 'work')`, [n]);
    const half = Math.ceil(numbers.length / 2);
    const state = atCommit(tx, 'rows', (): number[] => [], insertAll(divisor));
    state.push(...numbers.slice(0, half));
    expect(pendingAtCommit<number[]>(tx, 'rows')).toBe(state);
    atCommit(tx, 'rows', (): number[] => [], insertAll(divisor)).push(...numbers.slice(half));
    expect(pendingAtCommit(tx, 'other')).toBeUndefined();
  });
}

const rows = async () =>
  (await db.pool.query<{ n: number; source: string }>('select n, source from at_commit_rows order by n'))
    .rows;

test('the final statement commits with the work, sees everything registered, and rolls back with it', async () => {
  // What each query call on a connection was given: a text, a config, or the driver-level pipelined commit.
  const spy = vi.spyOn(pg.Client.prototype, 'query');
  const sent = () => spy.mock.calls.map((call) => call[0] as unknown);
  try {
    // First use on the connection: the driver prepares the statement, then COMMIT is sent on its own.
    await write(1, [10, 11, 12], 1);
    expect(sent()).toContain('commit');
    expect(await rows()).toEqual([
      { n: 1, source: 'work' },
      { n: 10, source: 'final' },
      { n: 11, source: 'final' },
      { n: 12, source: 'final' },
    ]);

    // Prepared now: statement and COMMIT go in one message, and no separate COMMIT is sent.
    spy.mockClear();
    await write(2, [20, 21], 1);
    expect(sent()).not.toContain('commit');
    expect(sent().some((c) => (c as object | undefined)?.constructor.name === 'PipelinedCommit')).toBe(true);
    expect((await rows()).map((r) => r.n)).toEqual([1, 2, 10, 11, 12, 20, 21]);

    // The final statement fails (division by zero): nothing of the transaction stays.
    await expect(write(3, [30], 0)).rejects.toMatchObject({ code: '22012' });
    expect((await rows()).map((r) => r.n)).toEqual([1, 2, 10, 11, 12, 20, 21]);

    // The work fails: the final statement does not run, and a later transaction does not inherit its state.
    await expect(
      transaction(db.pool, async (tx) => {
        atCommit(tx, 'rows', (): number[] => [], insertAll(1)).push(40);
        throw new Error('work failed');
      }),
    ).rejects.toThrow('work failed');
    await transaction(db.pool, async (tx) => {
      expect(pendingAtCommit(tx, 'rows')).toBeUndefined();
    });

    // The connection is still usable, on the pipelined path too.
    await write(5, [50], 1);
    expect((await rows()).map((r) => r.n)).toEqual([1, 2, 5, 10, 11, 12, 20, 21, 50]);
  } finally {
    spy.mockRestore();
  }
});

test('numbering events at commit refuses a directory that does not exist (migration 0016)', async () => {
  const statement: PreparedQuery = prepared(
    sql`select roster_append_events(${newUuidV7()}, ${newUuidV7()}, ${'[]'}::jsonb)`,
  );
  await expect(query(db.pool, statement)).rejects.toMatchObject({ code: 'P0002' });
});
