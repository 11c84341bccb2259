/**
 * A real Roster HTTP server on 127.0.0.1 (ephemeral port) over a private test database, with a bootstrap
 * platform key, plus small helpers to call it the way clients do.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { type Config, loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { createMetrics } from '../../src/http/metrics.js';
import { createLogger } from '../../src/shared/logger.js';
import { ensureBootstrapAdminKey } from '../../src/tenants/credentials.js';
import { type TestDatabase, createTestDatabase } from './test-database.js';

export interface TestApp {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly db: TestDatabase;
  readonly config: Config;
  /** The platform admin key. */
  readonly adminKey: string;
  close(): Promise<void>;
}

export function newAdminKeySecret(): string {
  return `rst_admin_${randomBytes(32).toString('base64url')}`;
}

export async function startTestApp(
  env: Record<string, string> = {},
  db?: TestDatabase,
  logLines?: string[],
  options: { now?: () => Date } = {},
): Promise<TestApp> {
  const database = db ?? (await createTestDatabase());
  const config = loadConfig({
    PORT: '0',
    LOG_LEVEL: 'silent',
    ROSTER_BOOTSTRAP_ADMIN_KEY: newAdminKeySecret(),
    ...env,
  });
  const adminKey = config.bootstrapAdminKey!;
  const log = logLines
    ? createLogger('debug', { write: (line: string) => void logLines.push(line) })
    : createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  await ensureBootstrapAdminKey(database.pool, adminKey, log);
  const app = await buildApp({
    config,
    db: database,
    log,
    metrics: createMetrics(database.pool, database.poolSize),
    ...(options.now ? { now: options.now } : {}),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    db: database,
    config,
    adminKey,
    async close() {
      await app.close();
      if (!db) await database.close();
    },
  };
}

export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function http<T = any>(
  url: string,
  init: { method?: string; key?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.key) headers.authorization = `Bearer ${init.key}`;
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(url, { method: init.method ?? 'GET', headers, body });
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}

/** Creates an organization, a directory in it and a SCIM token for it, through the admin API. */
export async function createTenant(
  t: TestApp,
  options: { provider?: string; scopes?: string[] } = {},
): Promise<{ organizationId: string; directoryId: string; token: string; tokenId: string }> {
  const org = await http(`${t.url}/api/v1/organizations`, {
    method: 'POST',
    key: t.adminKey,
    body: { name: `org-${randomBytes(3).toString('hex')}` },
  });
  if (org.status !== 201) throw new Error(`org create failed: ${org.text}`);
  const dir = await http(`${t.url}/api/v1/organizations/${org.body.id}/directories`, {
    method: 'POST',
    key: t.adminKey,
    body: { name: 'dir', provider: options.provider ?? 'generic' },
  });
  if (dir.status !== 201) throw new Error(`directory create failed: ${dir.text}`);
  const token = await http(`${t.url}/api/v1/directories/${dir.body.id}/tokens`, {
    method: 'POST',
    key: t.adminKey,
    body: options.scopes ? { scopes: options.scopes } : {},
  });
  if (token.status !== 201) throw new Error(`token create failed: ${token.text}`);
  return {
    organizationId: org.body.id,
    directoryId: dir.body.id,
    token: token.body.token,
    tokenId: token.body.id,
  };
}
