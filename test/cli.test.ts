/** The `roster` command against a running server: the README walkthrough, `--json`, and errors. */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type TestApp, http, startTestApp } from './support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

/** Runs the CLI asynchronously: a synchronous spawn would block the in-process server it talks to. */
function roster(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['bin/roster.js', ...args],
      {
        env: { PATH: process.env.PATH, ROSTER_URL: t.url, ROSTER_ADMIN_KEY: t.adminKey, ...env },
        encoding: 'utf8',
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function json<T = any>(...args: string[]): Promise<T> {
  const result = await roster(['--json', ...args]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
}

test('organization, directory and token lifecycle, as scripts use it', async () => {
  const org = await json('org', 'create', 'Acme');
  expect(org).toMatchObject({ name: 'Acme', id: expect.any(String) });
  const dir = await json(
    'directory',
    'create',
    '--org',
    org.id,
    '--name',
    'Acme Entra',
    '--provider',
    'entra',
  );
  expect(dir).toMatchObject({ organizationId: org.id, provider: 'entra' });
  const token = await json(
    'token',
    'create',
    '--directory',
    dir.id,
    '--scopes',
    'scim:read',
    '--expires-in',
    '3600',
  );
  expect(token.token).toMatch(/^rst_scim_/);
  expect(token.scopes).toEqual(['scim:read']);

  const spc = `${t.url}/scim/v2/${dir.id}/ServiceProviderConfig`;
  expect((await http(spc, { key: token.token })).status).toBe(200);

  expect(await json<unknown[]>('token', 'list', '--directory', dir.id)).toHaveLength(1);
  const rotated = await json('token', 'rotate', '--directory', dir.id, token.id);
  expect(rotated.token).not.toBe(token.token);
  expect(await json('token', 'revoke', '--directory', dir.id, rotated.id)).toEqual({ ok: true });
  expect((await http(spc, { key: rotated.token })).status).toBe(401);

  const dirs = await json<{ id: string }[]>('directory', 'list', '--org', org.id);
  expect(dirs.map((d) => d.id)).toEqual([dir.id]);
  expect(await json('directory', 'delete', dir.id)).toEqual({ ok: true });
  expect(await json('org', 'delete', org.id)).toEqual({ ok: true });
});

test('admin keys for one organization', async () => {
  const org = await json('org', 'create', 'Keyed');
  const key = await json('admin-key', 'create', '--org', org.id, '--scopes', 'admin:read');
  expect(key.key).toMatch(/^rst_admin_/);
  const keys = await json<{ id: string }[]>('admin-key', 'list', '--org', org.id);
  expect(keys.map((k) => k.id)).toEqual([key.id]);
  const seen = await roster(['--json', 'org', 'list'], { ROSTER_ADMIN_KEY: key.key });
  expect(JSON.parse(seen.stdout)).toEqual([expect.objectContaining({ id: org.id })]);
  expect(await json('admin-key', 'revoke', key.id)).toEqual({ ok: true });
});

test('human output is a table, and a new secret is printed once with a warning', async () => {
  const org = await json('org', 'create', 'Tabular');
  const shown = await roster(['org', 'get', org.id]);
  expect(shown.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+CREATEDAT$/);
  expect(shown.stdout).toContain('Tabular');
  const dir = await json('directory', 'create', '--org', org.id, '--name', 'd');
  const created = await roster(['token', 'create', '--directory', dir.id]);
  expect(created.stdout).toMatch(/token: rst_scim_\S+/);
  expect(created.stdout).toContain('not shown again');
});

test('errors go to stderr with a non-zero exit', async () => {
  const missing = await roster(['org', 'get', '01a20000-0000-7000-8000-000000000000']);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toBe('error: not_found: organization not found\n');

  const badKey = await roster(['org', 'list'], { ROSTER_ADMIN_KEY: 'rst_admin_wrong' });
  expect(badKey.code).toBe(1);
  expect(badKey.stderr).toContain('unauthorized');

  const noKey = await roster(['org', 'list'], { ROSTER_ADMIN_KEY: '' });
  expect(noKey.code).toBe(1);
  expect(noKey.stderr).toContain('ROSTER_ADMIN_KEY');

  const down = await roster(['org', 'list'], { ROSTER_URL: 'http://127.0.0.1:1' });
  expect(down.code).toBe(1);
  expect(down.stderr).toContain('cannot reach Roster');

  const usage = await roster(['directory', 'create']);
  expect(usage.code).not.toBe(0);
  expect(usage.stderr).toContain("required option '--org <organizationId>'");
});
