/**
 * Bulk create versus single creates: Roster as its own process (`roster serve`) on the embedded PostgreSQL, one
 * client over loopback HTTP. Each round creates 1,000 users with 1,000 `POST /Users` at concurrency 1, then
 * 1,000 more with one `POST /Bulk` of 1,000 user POSTs (fresh userNames every time), and reports users per second
 * for both and their ratio. The issue asks for a ratio of at least 5.
 *
 *   npm run bench -- bulk
 *   BENCH_ROUNDS=5 BENCH_USERS=1000 npm run bench -- bulk
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { createLogger } from '../src/shared/logger.js';
import { call, expectStatus, setUp, type Target } from './scim-bench.js';
import { runLoad, writeResults } from './support.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const USERS = Number(process.env.BENCH_USERS ?? 1000);
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

const userBody = (name: string) => ({
  schemas: [USER],
  userName: `${name}@example.com`,
  externalId: `ext-${name}`,
  name: { givenName: 'Given', familyName: `Family-${name}` },
  emails: [{ value: `${name}@example.com`, type: 'work', primary: true }],
  active: true,
});

export async function bulkBench(): Promise<void> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'roster-bulk-bench-'));
  chmodSync(scratch, 0o755);
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const db = await startEmbeddedPostgres({
    dataDir: scratch,
    database: 'roster',
    log: createLogger('warn'),
    loopbackPort: port,
  });
  const adminKey = `rst_admin_${randomBytes(32).toString('base64url')}`;
  const httpPort = 40_000 + Math.floor(Math.random() * 20_000);
  let server: ChildProcess | undefined;
  try {
    server = spawn(process.execPath, ['bin/roster.js', 'serve'], {
      env: {
        PATH: process.env.PATH,
        PORT: String(httpPort),
        DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/roster`,
        ROSTER_BOOTSTRAP_ADMIN_KEY: adminKey,
        ROSTER_RATE_LIMIT_PER_SECOND: '0',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const target = await setUp(httpPort, adminKey);
    // Warm-up: JIT, connection pool, plan caches.
    await singles(target, 'warm', 100);
    await bulkCreate(target, 'warm-bulk', 100);

    const rounds: Record<string, number>[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const single = await singles(target, `s${round}`, USERS);
      const bulkSeconds = await bulkCreate(target, `b${round}`, USERS);
      const result = {
        round,
        users: USERS,
        singleSeconds: single.seconds,
        singleUsersPerSecond: Math.round(USERS / single.seconds),
        bulkSeconds: round2(bulkSeconds),
        bulkUsersPerSecond: Math.round(USERS / bulkSeconds),
        ratio: round2(single.seconds / bulkSeconds),
      };
      console.log(
        `round ${round}: ${USERS} single POST /Users (c=1) ${result.singleSeconds} s = ${result.singleUsersPerSecond} users/s;` +
          ` one POST /Bulk ${result.bulkSeconds} s = ${result.bulkUsersPerSecond} users/s; ratio ${result.ratio}x`,
      );
      rounds.push(result);
    }
    const ratios = rounds.map((r) => r.ratio!).sort((a, b) => a - b);
    const median = ratios[Math.floor(ratios.length / 2)]!;
    console.log(
      `median ratio ${median}x (min ${ratios[0]}x, max ${ratios.at(-1)}x); the issue asks for >= 5x`,
    );
    writeResults('bulk', { users: USERS, rounds, medianRatio: median });
  } finally {
    server?.kill('SIGTERM');
    if (server) await once(server, 'exit');
    await db.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

function singles(target: Target, prefix: string, n: number) {
  return runLoad(`POST /Users x${n}, concurrency 1 (${prefix})`, { concurrency: 1, maxOps: n }, async (i) => {
    await expectStatus(call(target, 'POST', '/Users', userBody(`${prefix}-${i}`)), 201);
  });
}

/** One bulk request creating `n` users; seconds from send to the parsed response. Every operation must be 201. */
async function bulkCreate(target: Target, prefix: string, n: number): Promise<number> {
  const body = {
    schemas: [BULK_REQUEST],
    Operations: Array.from({ length: n }, (_, i) => ({
      method: 'POST',
      path: '/Users',
      bulkId: `u${i}`,
      data: userBody(`${prefix}-${i}`),
    })),
  };
  const started = performance.now();
  const response = JSON.parse(await expectStatus(call(target, 'POST', '/Bulk', body), 200)) as {
    Operations: { status: string }[];
  };
  const seconds = (performance.now() - started) / 1000;
  const created = response.Operations.filter((o) => o.status === '201').length;
  if (created !== n) {
    throw new Error(`bulk created ${created} of ${n} users: ${JSON.stringify(response.Operations[0])}`);
  }
  return seconds;
}

const round2 = (n: number): number => Math.round(n * 100) / 100;
