/**
 * Which PostgreSQL driver serves Roster's hot path (point lookups by primary key) faster: `postgres` (postgres.js)
 * or `pg` (node-postgres)? Same server, same pool size, same concurrency, same queries, one run.
 *
 *   npm run bench -- driver            (embedded PostgreSQL in a scratch directory)
 *   DATABASE_URL=postgres://... npm run bench -- driver
 *   BENCH_DRIVERS=pg BENCH_ROUNDS=6 BENCH_SECONDS=4 npm run bench -- driver   (one driver, sustained)
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import postgres from 'postgres';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { newUuidV7 } from '../src/shared/ids.js';
import { createLogger } from '../src/shared/logger.js';
import { runLoad, writeResults } from './support.js';

const POOL = 16;
const CONCURRENCIES = [16, 64];
const ROWS = 10_000;
const DURATION_MS = Number(process.env.BENCH_SECONDS ?? 5) * 1000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
// BENCH_DRIVERS=postgres or =pg measures one driver alone in this process.
const DRIVERS = (process.env.BENCH_DRIVERS ?? 'postgres,pg').split(',');

export async function driverBench(): Promise<void> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'roster-bench-'));
  chmodSync(scratch, 0o755);
  const embedded = process.env.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres({ dataDir: scratch, database: 'roster_bench', log: createLogger('warn') });
  const conn = embedded?.connection;
  const url = process.env.DATABASE_URL;
  try {
    const js = url
      ? postgres(url, { max: POOL, onnotice: () => {} })
      : postgres({ ...conn!, max: POOL, onnotice: () => {} });
    const nodePg = new pg.Pool(
      url
        ? { connectionString: url, max: POOL }
        : { host: conn!.host, port: conn!.port, user: conn!.user, database: conn!.database, max: POOL },
    );
    nodePg.on('error', () => {}); // connections closed by the server at the end are expected
    await js`drop table if exists bench_lookup`;
    await js`create table bench_lookup (id uuid primary key, user_name text not null, doc jsonb not null)`;
    const ids = Array.from({ length: ROWS }, () => newUuidV7());
    for (let i = 0; i < ROWS; i += 1000) {
      const rows = ids.slice(i, i + 1000).map((id, j) => ({
        id,
        user_name: `user${i + j}@example.com`,
        doc: { name: { givenName: 'Bench', familyName: `User ${i + j}` }, active: true },
      }));
      await js`insert into bench_lookup ${js(rows)}`;
    }
    await js`analyze bench_lookup`;
    const pick = (i: number): string => ids[(i * 7919) % ROWS]!;

    // Warm both pools and the server's caches, then measure, alternating to share any drift fairly.
    const results = [];
    for (const concurrency of CONCURRENCIES) {
      for (let round = 1; round <= ROUNDS; round++) {
        const label = `c=${concurrency} round ${round}`;
        if (DRIVERS.includes('postgres'))
          results.push({
            driver: 'postgres',
            concurrency,
            ...(await runLoad(
              `postgres.js point lookup ${label}`,
              { concurrency, durationMs: DURATION_MS },
              async (i) => {
                await js`select id, user_name, doc from bench_lookup where id = ${pick(i)}`;
              },
            )),
          });
        if (DRIVERS.includes('pg'))
          results.push({
            driver: 'pg',
            concurrency,
            ...(await runLoad(
              `pg point lookup ${label}`,
              { concurrency, durationMs: DURATION_MS },
              async (i) => {
                await nodePg.query({
                  name: 'lookup',
                  text: 'select id, user_name, doc from bench_lookup where id = $1',
                  values: [pick(i)],
                });
              },
            )),
          });
      }
    }
    await js.end();
    await nodePg.end();
    writeResults('driver', {
      pool: POOL,
      rows: ROWS,
      database: url ? 'external' : 'embedded',
      results,
    });
  } finally {
    await embedded?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}
