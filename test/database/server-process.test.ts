/**
 * The whole server process: `kill -9` recovery on the embedded database, clean shutdown, start-up config errors,
 * several nodes starting at once on one database, and bootstrap key rotation.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, inject, test } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { type RunningServer, startServer } from '../../src/main.js';
import { createLogger } from '../../src/shared/logger.js';
import { execute, withDatabase } from '../support/database-url.js';
import { type ServerProcess, freePort, spawnServer } from '../support/server-process.js';
import { http, newAdminKeySecret } from '../support/test-app.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function dataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'roster-proc-'));
  chmodSync(dir, 0o755);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function postgresPidsFor(dir: string): number[] {
  const out = spawnSync('pgrep', ['-f', `postgres -D ${dir}`], { encoding: 'utf8' }).stdout;
  return out.split('\n').filter(Boolean).map(Number);
}

async function seed(server: ServerProcess, key: string) {
  const org = await http(`${server.url}/api/v1/organizations`, {
    method: 'POST',
    key,
    body: { name: 'Durable' },
  });
  const dir = await http(`${server.url}/api/v1/organizations/${org.body.id}/directories`, {
    method: 'POST',
    key,
    body: { name: 'd', provider: 'okta' },
  });
  const token = await http(`${server.url}/api/v1/directories/${dir.body.id}/tokens`, {
    method: 'POST',
    key,
    body: {},
  });
  expect(token.status).toBe(201);
  return { orgId: org.body.id as string, dirId: dir.body.id as string, token: token.body.token as string };
}

async function expectSeeded(server: ServerProcess, key: string, s: Awaited<ReturnType<typeof seed>>) {
  expect((await http(`${server.url}/api/v1/organizations/${s.orgId}`, { key })).status).toBe(200);
  expect((await http(`${server.url}/api/v1/directories/${s.dirId}`, { key })).status).toBe(200);
  const scim = await http(`${server.url}/scim/v2/${s.dirId}/ServiceProviderConfig`, { key: s.token });
  expect(scim.status).toBe(200);
}

describe('embedded database, real process', () => {
  test('kill -9 of the whole process tree, then start again: organizations, directories and tokens are all there', async () => {
    const dir = dataDir();
    const key = newAdminKeySecret();
    const env = { ROSTER_DATA_DIR: dir, ROSTER_BOOTSTRAP_ADMIN_KEY: key, LOG_LEVEL: 'warn' };
    const first = await spawnServer(env, await freePort());
    const seeded = await seed(first, key);
    process.kill(-first.child.pid!, 'SIGKILL');
    await first.exited;

    const second = await spawnServer(env, await freePort());
    cleanups.push(async () => {
      process.kill(-second.child.pid!, 'SIGTERM');
      await second.exited;
    });
    await expectSeeded(second, key, seeded);
  });

  test('kill -9 of Roster alone leaves an orphaned postgres; the next start replaces it', async () => {
    const dir = dataDir();
    const key = newAdminKeySecret();
    const env = { ROSTER_DATA_DIR: dir, ROSTER_BOOTSTRAP_ADMIN_KEY: key, LOG_LEVEL: 'warn' };
    const first = await spawnServer(env, await freePort());
    const seeded = await seed(first, key);
    const orphans = postgresPidsFor(dir);
    expect(orphans.length).toBe(1);
    process.kill(first.child.pid!, 'SIGKILL');
    await first.exited;
    expect(postgresPidsFor(dir)).toEqual(orphans);

    const second = await spawnServer(env, await freePort());
    cleanups.push(async () => {
      process.kill(-second.child.pid!, 'SIGTERM');
      await second.exited;
    });
    expect(postgresPidsFor(dir)).not.toContain(orphans[0]);
    await expectSeeded(second, key, seeded);
  });

  test('SIGTERM drains, stops the embedded database and exits 0', async () => {
    const dir = dataDir();
    const server = await spawnServer({ ROSTER_DATA_DIR: dir, LOG_LEVEL: 'info' }, await freePort());
    expect(postgresPidsFor(dir).length).toBe(1);
    process.kill(server.child.pid!, 'SIGTERM');
    expect(await server.exited).toBe(0);
    expect(postgresPidsFor(dir)).toEqual([]);
    expect(server.output()).toContain('embedded PostgreSQL stopped');
  });
});

test('an invalid configuration stops start-up with every problem listed and a non-zero exit', () => {
  const result = spawnSync(process.execPath, ['bin/roster.js', 'serve'], {
    env: { PATH: process.env.PATH, PORT: 'eighty', LOG_LEVEL: 'loud', ROSTER_BOOTSTRAP_ADMIN_KEY: 'nope' },
    encoding: 'utf8',
  });
  expect(result.status).not.toBe(0);
  expect(result.stderr).toContain('Invalid configuration');
  for (const name of ['PORT', 'LOG_LEVEL', 'ROSTER_BOOTSTRAP_ADMIN_KEY'])
    expect(result.stderr).toContain(name);
});

describe('external database', () => {
  async function emptyDatabase(): Promise<string> {
    const base = inject('databaseUrl');
    const name = `roster_x_${Math.random().toString(36).slice(2, 10)}_${inject('templateDatabase').slice(11)}`;
    await execute(base, `create database ${name}`);
    cleanups.push(async () => {
      await execute(base, `drop database if exists ${name} with (force)`);
    });
    return withDatabase(base, name);
  }

  async function start(env: Record<string, string>): Promise<RunningServer> {
    const server = await startServer(loadConfig({ PORT: '0', ...env }), createLogger('silent'));
    cleanups.push(() => server.close());
    return server;
  }

  test('three nodes starting at once on one empty database all come up; migrations run once', async () => {
    const url = await emptyDatabase();
    const key = newAdminKeySecret();
    const env = { DATABASE_URL: url, ROSTER_BOOTSTRAP_ADMIN_KEY: key };
    const nodes = await Promise.all([start(env), start(env), start(env)]);
    for (const node of nodes) {
      expect((await http(`${node.url}/readyz`)).status).toBe(200);
      expect((await http(`${node.url}/api/v1/organizations`, { key })).status).toBe(200);
    }
    const rows = await execute(url, 'select name, count(*)::int as n from schema_migrations group by name');
    const keys = await execute(
      url,
      "select count(*)::int as n from credentials where created_via = 'bootstrap'",
    );
    expect(rows.every((r) => r.n === 1)).toBe(true);
    expect(keys[0]!.n).toBe(1);
  });

  test('restarting with the same bootstrap key is idempotent; a new key replaces the old one, with an audit trail', async () => {
    const url = await emptyDatabase();
    const oldKey = newAdminKeySecret();
    const newKey = newAdminKeySecret();
    const a = await start({ DATABASE_URL: url, ROSTER_BOOTSTRAP_ADMIN_KEY: oldKey });
    await a.close();
    const b = await start({ DATABASE_URL: url, ROSTER_BOOTSTRAP_ADMIN_KEY: oldKey });
    expect((await http(`${b.url}/api/v1/organizations`, { key: oldKey })).status).toBe(200);
    await b.close();

    const c = await start({ DATABASE_URL: url, ROSTER_BOOTSTRAP_ADMIN_KEY: newKey });
    expect((await http(`${c.url}/api/v1/organizations`, { key: newKey })).status).toBe(200);
    expect((await http(`${c.url}/api/v1/organizations`, { key: oldKey })).status).toBe(401);
    const audit = await http(`${c.url}/api/v1/audit-log`, { key: newKey });
    expect(audit.body.data.map((e: { action: string }) => e.action)).toEqual([
      'admin.key_issued',
      'admin.key_issued',
      'admin.key_revoked',
    ]);
    expect(audit.body.data[2].details).toEqual({ reason: 'ROSTER_BOOTSTRAP_ADMIN_KEY changed' });
  });
});
