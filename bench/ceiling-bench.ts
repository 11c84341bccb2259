/**
 * The ceiling of this machine for the SCIM read workloads: a bare Node.js HTTP server (no framework) in its own
 * process that answers either a fixed 1 KB body or one primary-key lookup through the same `pg` pool settings
 * Roster uses, loaded by the same closed-loop client at the same concurrency as `bench -- scim`. Whatever Roster
 * reaches for `GET /Users/{id}` is bounded by the second number: one HTTP exchange plus one database round trip.
 *
 *   npm run bench -- ceiling
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { createLogger } from '../src/shared/logger.js';
import { machine, runLoad, writeResults } from './support.js';

const CONCURRENCY = 32;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6) * 1000;
const ROWS = 10_000;

/**
 * A bare Node.js HTTP server: `/fixed` answers a fixed 1 KB body, `/<id>` one primary-key lookup of table `t`.
 * Env: PORT, DATABASE_URL (connected only by a lookup), REPO (where `pg` resolves). Prints `ready` when listening.
 */
export const BARE_SERVER = `
import { createRequire } from 'node:module';
import http from 'node:http';
const pg = createRequire(process.env.REPO + '/')('pg');
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 16 });
const fixed = JSON.stringify({ data: 'x'.repeat(1000) });
http.createServer(async (req, res) => {
  if (req.url === '/fixed') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(fixed);
    return;
  }
  const r = await pool.query('select id, resource from t where id = $1', [req.url.slice(1)]);
  res.writeHead(r.rows.length ? 200 : 404, { 'content-type': 'application/json' });
  res.end(JSON.stringify(r.rows[0] ?? {}));
}).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'));
`;

export async function ceilingBench(): Promise<void> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'roster-ceiling-'));
  chmodSync(scratch, 0o755);
  const dbPort = 20_000 + Math.floor(Math.random() * 20_000);
  const db = await startEmbeddedPostgres({
    dataDir: path.join(scratch, 'pg'),
    database: 'ceiling',
    log: createLogger('warn'),
    loopbackPort: dbPort,
  });
  const databaseUrl = `postgres://postgres@127.0.0.1:${dbPort}/ceiling`;
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const httpPort = 40_000 + Math.floor(Math.random() * 20_000);
  const script = path.join(scratch, 'server.mjs');
  writeFileSync(script, BARE_SERVER);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY * 2 });
  const server = spawn(process.execPath, [script], {
    env: { PATH: process.env.PATH, PORT: String(httpPort), DATABASE_URL: databaseUrl, REPO: process.cwd() },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await pool.query(`create table t (id uuid primary key, resource jsonb not null)`);
    await pool.query(
      `insert into t select gen_random_uuid(), jsonb_build_object('userName', 'user' || g || '@example.com',
         'name', jsonb_build_object('givenName', 'Given' || g, 'familyName', 'Surname' || g),
         'emails', jsonb_build_array(jsonb_build_object('value', 'user' || g || '@example.com', 'primary', true)))
       from generate_series(1, ${ROWS}) g`,
    );
    await pool.query('analyze t');
    const ids = (await pool.query<{ id: string }>('select id from t')).rows.map((r) => r.id);
    await once(server.stdout, 'data');
    const get = (pathname: string) =>
      new Promise<void>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port: httpPort, path: pathname, agent }, (res) => {
            res.resume();
            res.on('end', () =>
              res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
            );
          })
          .on('error', reject);
      });
    const results = [
      await runLoad('bare node: fixed 1 KB body', { concurrency: CONCURRENCY, durationMs: SECONDS }, () =>
        get('/fixed'),
      ),
      await runLoad(
        'bare node: one pg primary-key lookup',
        { concurrency: CONCURRENCY, durationMs: SECONDS },
        (i) => get(`/${ids[(i * 7919) % ids.length]}`),
      ),
    ];
    writeResults('ceiling', { machine: machine(), concurrency: CONCURRENCY, results });
  } finally {
    server.kill('SIGTERM');
    await once(server, 'exit');
    agent.destroy();
    await pool.end();
    await db.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}
