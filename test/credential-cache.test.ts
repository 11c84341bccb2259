/**
 * Credentials are cached per node, and revocation still takes effect at once on the node that revoked and within
 * a NOTIFY round trip on every other node sharing the database.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { query, sql, transaction } from '../src/db/database.js';
import { type TestApp, createTenant, http, startTestApp } from './support/test-app.js';
import { type TestDatabase, createTestDatabase } from './support/test-database.js';

let db: TestDatabase;
let nodeA: TestApp;
let nodeB: TestApp;

beforeAll(async () => {
  db = await createTestDatabase();
  nodeA = await startTestApp({}, db);
  nodeB = await startTestApp({ ROSTER_BOOTSTRAP_ADMIN_KEY: nodeA.adminKey }, db);
  await listening(nodeA);
  await listening(nodeB);
});
afterAll(async () => {
  await nodeA.close();
  await nodeB.close();
  await db.close();
});

/** Waits until a node's notification listener holds its LISTEN session (the cache is off until then). */
async function listening(node: TestApp): Promise<void> {
  await until(async () => {
    const rows = await query<{ n: number }>(
      db.pool,
      sql`select count(*)::int as n from pg_stat_activity
          where application_name = 'roster-listener' and datname = current_database()
            and query ilike 'listen%'`,
    );
    return (rows[0]?.n ?? 0) >= (node === nodeA ? 1 : 2);
  });
}

async function until(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
  return Date.now() - started;
}

const users = (node: TestApp, directoryId: string, token: string) =>
  http(`${node.url}/scim/v2/${directoryId}/Users?count=1`, { key: token });

describe('credential cache', () => {
  test('a cached token revoked on the same node is refused by the very next request', async () => {
    const tenant = await createTenant(nodeA);
    for (let i = 0; i < 3; i++)
      expect((await users(nodeA, tenant.directoryId, tenant.token)).status).toBe(200);
    const revoke = await http(
      `${nodeA.url}/api/v1/directories/${tenant.directoryId}/tokens/${tenant.tokenId}`,
      {
        method: 'DELETE',
        key: nodeA.adminKey,
      },
    );
    expect(revoke.status).toBe(204);
    expect((await users(nodeA, tenant.directoryId, tenant.token)).status).toBe(401);
  });

  test('a token revoked through another node stops working here within moments', async () => {
    const tenant = await createTenant(nodeA);
    for (let i = 0; i < 3; i++)
      expect((await users(nodeB, tenant.directoryId, tenant.token)).status).toBe(200);
    await http(`${nodeA.url}/api/v1/directories/${tenant.directoryId}/tokens/${tenant.tokenId}`, {
      method: 'DELETE',
      key: nodeA.adminKey,
    });
    const ms = await until(
      async () => (await users(nodeB, tenant.directoryId, tenant.token)).status === 401,
      2_000,
    );
    expect(ms).toBeLessThan(2_000);
  });

  test('a revocation written straight to the database (another tool, a DBA) reaches every node', async () => {
    const tenant = await createTenant(nodeA);
    expect((await users(nodeA, tenant.directoryId, tenant.token)).status).toBe(200);
    expect((await users(nodeB, tenant.directoryId, tenant.token)).status).toBe(200);
    await query(db.pool, sql`update credentials set revoked_at = now() where id = ${tenant.tokenId}`);
    await until(async () => (await users(nodeA, tenant.directoryId, tenant.token)).status === 401, 2_000);
    await until(async () => (await users(nodeB, tenant.directoryId, tenant.token)).status === 401, 2_000);
  });

  test('deactivating a directory on one node refuses its cached token on the other', async () => {
    const tenant = await createTenant(nodeA);
    expect((await users(nodeB, tenant.directoryId, tenant.token)).status).toBe(200);
    const patch = await http(`${nodeA.url}/api/v1/directories/${tenant.directoryId}`, {
      method: 'PATCH',
      key: nodeA.adminKey,
      body: { state: 'inactive' },
    });
    expect(patch.status).toBe(200);
    await until(async () => (await users(nodeB, tenant.directoryId, tenant.token)).status === 403, 2_000);
  });

  test('a node whose listening session is cut reads credentials from the database until it is back', async () => {
    const tenant = await createTenant(nodeA);
    expect((await users(nodeB, tenant.directoryId, tenant.token)).status).toBe(200);
    await query(
      db.pool,
      sql`select pg_terminate_backend(pid) from pg_stat_activity
          where application_name = 'roster-listener' and datname = current_database()`,
    );
    // Whatever the node saw of the cut, it listens again shortly and a revocation is then honoured.
    await listening(nodeB);
    await query(db.pool, sql`update credentials set revoked_at = now() where id = ${tenant.tokenId}`);
    await until(async () => (await users(nodeB, tenant.directoryId, tenant.token)).status === 401, 2_000);
  });

  test('repeated requests with a cached token are answered from the cache, not the credentials table', async () => {
    await listening(nodeB); // both nodes listen again after the previous test cut them off
    const other = await createTenant(nodeA);
    const tenant = await createTenant(nodeA);
    expect((await users(nodeA, tenant.directoryId, tenant.token)).status).toBe(200);
    // Revoke the token in a session whose triggers do not fire, so no node is told. (pg_stat index counters
    // cannot prove this: PostgreSQL flushes them up to ten seconds late, so earlier tests' scans leak in.)
    await transaction(db.pool, async (tx) => {
      await tx.query('set local session_replication_role = replica');
      await query(tx, sql`update credentials set revoked_at = now() where id = ${tenant.tokenId}`);
    });
    // Node B never cached it, so it reads the table and refuses: the revocation is really there...
    expect((await users(nodeB, tenant.directoryId, tenant.token)).status).toBe(401);
    // ...and node A, which has it cached, keeps answering without looking.
    for (let i = 0; i < 20; i++)
      expect((await users(nodeA, tenant.directoryId, tenant.token)).status).toBe(200);
    // Any notification on the channel (here: another token's revocation) ends that at once.
    await query(db.pool, sql`update credentials set revoked_at = now() where id = ${other.tokenId}`);
    await until(async () => (await users(nodeA, tenant.directoryId, tenant.token)).status === 401, 2_000);
  });
});
