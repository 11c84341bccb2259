/** The embedded PostgreSQL manager: first start, reuse, and recovery from every kind of unclean exit. */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, expect, test } from 'vitest';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { createLogger } from '../../src/shared/logger.js';

const log = createLogger('silent');
const dirs: string[] = [];
const running: EmbeddedPostgres[] = [];

function scratchDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'roster-embedded-'));
  chmodSync(dir, 0o755);
  dirs.push(dir);
  return dir;
}

async function start(dataDir: string): Promise<EmbeddedPostgres> {
  const pg = await startEmbeddedPostgres({ dataDir, database: 'roster', log });
  running.push(pg);
  return pg;
}

async function query<T extends object>(server: EmbeddedPostgres, text: string): Promise<T[]> {
  const client = new pg.Client(server.connection);
  await client.connect();
  try {
    const results = (await client.query(text)) as unknown as pg.QueryResult | pg.QueryResult[];
    return (Array.isArray(results) ? results.at(-1)!.rows : results.rows) as T[];
  } finally {
    await client.end();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterEach(async () => {
  for (const pg of running.splice(0)) await pg.stop().catch(() => undefined);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

test('first start initialises a cluster with the roster database; a restart reuses its data', async () => {
  const dir = scratchDir();
  const first = await start(dir);
  expect(readFileSync(path.join(dir, 'postgres', 'PG_VERSION'), 'utf8').trim()).toMatch(/^\d+$/);
  await query(first, 'create table kept (v text); insert into kept values ($$hello$$)');
  await first.stop();
  expect(isAlive(first.pid)).toBe(false);

  const second = await start(dir);
  expect(await query(second, 'select v from kept')).toEqual([{ v: 'hello' }]);
  const [row] = await query<{ encoding: string; db: string }>(
    second,
    'select pg_encoding_to_char(encoding) as encoding, current_database() as db from pg_database where datname = current_database()',
  );
  expect(row).toEqual({ encoding: 'UTF8', db: 'roster' });
});

test('listens on no TCP port: only the socket inside the 0700 data directory', async () => {
  const pg = await start(scratchDir());
  const rows = await query<{ listen: string }>(pg, "select current_setting('listen_addresses') as listen");
  expect(rows).toEqual([{ listen: '' }]);
  expect(pg.connection.host.startsWith(pg.pgdata) || pg.connection.host.startsWith(os.tmpdir())).toBe(true);
});

test('a postmaster orphaned by kill -9 of Roster is shut down and replaced; data survives', async () => {
  const dir = scratchDir();
  const orphan = await start(dir);
  await query(orphan, 'create table kept (v int); insert into kept values (42)');
  // Roster "dies" without stopping its database: the postmaster keeps running and holds postmaster.pid.
  running.splice(running.indexOf(orphan), 1);
  const successor = await start(dir);
  expect(isAlive(orphan.pid)).toBe(false);
  expect(successor.pid).not.toBe(orphan.pid);
  expect(await query(successor, 'select v from kept')).toEqual([{ v: 42 }]);
});

test('a stale postmaster.pid naming a dead or unrelated process does not block start-up', async () => {
  const dir = scratchDir();
  const first = await start(dir);
  await first.stop();
  const pidFile = path.join(dir, 'postgres', 'postmaster.pid');
  // A pid that is certainly not a postgres of this cluster: our own test process.
  writeFileSync(pidFile, `${process.pid}\n${path.join(dir, 'postgres')}\n0\n5432\n\n\n`);
  const second = await start(dir);
  expect(isAlive(second.pid)).toBe(true);
});

test('a half-made cluster from an interrupted initdb is discarded and made again', async () => {
  const dir = scratchDir();
  mkdirSync(path.join(dir, 'postgres.initdb-4242'));
  writeFileSync(path.join(dir, 'postgres.initdb-4242', 'junk'), 'x');
  const pg = await start(dir);
  expect(await query(pg, 'select 1 as one')).toEqual([{ one: 1 }]);
});
