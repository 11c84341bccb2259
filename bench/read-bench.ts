/**
 * Read API plans at scale: seeds one directory with set-based SQL (1M users by default, 0.1% inactive, one email
 * each, 200 groups of 5,000 members and one of 100,000) and prints EXPLAIN ANALYZE of the exact statements the
 * read API runs (the builders in src/db/directory-read-store.ts), first pages and deep pages, for every filter.
 *
 *   npm run bench -- read                                  (embedded PostgreSQL, 1M users)
 *   BENCH_USERS=100000 npm run bench -- read
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench -- read   (an existing server)
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Query } from '../src/db/database.js';
import {
  groupPageQuery,
  memberPageQuery,
  userPageQuery,
  type UserKeyset,
} from '../src/db/directory-read-store.js';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { migrate } from '../src/db/migrate.js';
import type { DirectoryScope } from '../src/directory/scope.js';
import { type DirectoryId, type OrganizationId, newUuidV7 } from '../src/shared/ids.js';
import { createLogger } from '../src/shared/logger.js';
import { writeResults } from './support.js';

const USERS = Number(process.env.BENCH_USERS ?? 1_000_000);
const SMALL_GROUPS = 200;
const BIG_GROUP = Math.min(100_000, USERS);
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

export async function readBench(): Promise<void> {
  const log = createLogger('warn');
  let stop: () => Promise<void>;
  let url: string;
  const external = process.env.BENCH_DATABASE_URL;
  if (external) {
    const name = `roster_read_bench_${randomBytes(4).toString('hex')}`;
    await withClient(external, (c) => c.query(`create database ${name}`));
    url = Object.assign(new URL(external), { pathname: `/${name}` }).toString();
    stop = () => withClient(external, (c) => c.query(`drop database ${name} with (force)`)).then(() => {});
  } else {
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'roster-read-bench-'));
    chmodSync(scratch, 0o755);
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const db = await startEmbeddedPostgres({ dataDir: scratch, database: 'roster', log, loopbackPort: port });
    url = `postgres://postgres@127.0.0.1:${port}/roster`;
    stop = async () => {
      await db.stop();
      rmSync(scratch, { recursive: true, force: true });
    };
  }
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  try {
    await migrate(pool, log);
    const started = Date.now();
    const scope = await seed(pool);
    console.log(`seeded ${USERS} users in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const plans = await explainAll(pool, scope);
    writeResults('read', { users: USERS, plans });
  } finally {
    await pool.end();
    await stop();
  }
}

async function withClient<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function seed(pool: pg.Pool): Promise<DirectoryScope> {
  const organizationId = newUuidV7() as OrganizationId;
  const directoryId = newUuidV7() as DirectoryId;
  await pool.query(`insert into organizations (id, name) values ($1, 'Read bench')`, [organizationId]);
  await pool.query(
    `insert into directories (organization_id, id, name, provider) values ($1, $2, 'bench', 'generic')`,
    [organizationId, directoryId],
  );
  const step = 100_000;
  for (let start = 1; start <= USERS; start += step) {
    const end = Math.min(USERS, start + step - 1);
    // User g: updated g seconds after a base time (so updatedAfter selects a suffix), inactive when g % 1000 = 0.
    await pool.query(
      `insert into scim_users (organization_id, directory_id, id, user_name, external_id, given_name, family_name,
                               active, resource, created_at, updated_at)
       select $1, $2, gen_random_uuid(), 'user' || g || '@example.com', 'ext-' || g, 'Given' || g, 'Family' || g,
              g % 1000 <> 0,
              jsonb_build_object('schemas', jsonb_build_array('${USER}'), 'userName', 'user' || g || '@example.com',
                'externalId', 'ext-' || g,
                'name', jsonb_build_object('givenName', 'Given' || g, 'familyName', 'Family' || g),
                'emails', jsonb_build_array(jsonb_build_object('value', 'User' || g || '@Example.com',
                                                               'type', 'work', 'primary', true)),
                'active', g % 1000 <> 0),
              timestamptz '2025-01-01' + g * interval '1 second', timestamptz '2025-01-01' + g * interval '1 second'
       from generate_series($3::int, $4::int) g`,
      [organizationId, directoryId, start, end],
    );
  }
  await pool.query(
    `insert into scim_user_emails (organization_id, directory_id, user_id, position, value, type, is_primary)
     select organization_id, directory_id, id, 0, resource #>> '{emails,0,value}', 'work', true
     from scim_users where organization_id = $1 and directory_id = $2`,
    [organizationId, directoryId],
  );
  await pool.query(
    `insert into scim_groups (organization_id, directory_id, id, display_name, external_id, resource)
     select $1, $2, gen_random_uuid(), 'group-' || k, 'gext-' || k,
            jsonb_build_object('displayName', 'group-' || k, 'externalId', 'gext-' || k)
     from generate_series(0, ${SMALL_GROUPS}) k`,
    [organizationId, directoryId],
  );
  // group-k (k < 200) holds the users with g % 200 = k; group-200 holds users 1..100,000. Array indexing, not a
  // join on names, so the planner cannot pick a nested loop over unanalyzed tables.
  await pool.query(
    `with gs as (select array_agg(id order by substr(external_id, 6)::int) as ids from scim_groups
                 where organization_id = $1 and directory_id = $2),
          us as (select organization_id, directory_id, id, substr(external_id, 5)::int as g from scim_users
                 where organization_id = $1 and directory_id = $2)
     insert into scim_group_members (organization_id, directory_id, group_id, member_id, member_type)
     select us.organization_id, us.directory_id, gs.ids[us.g % ${SMALL_GROUPS} + 1], us.id, 'User' from us, gs
     union all
     select us.organization_id, us.directory_id, gs.ids[${SMALL_GROUPS + 1}], us.id, 'User' from us, gs
     where us.g <= ${BIG_GROUP}`,
    [organizationId, directoryId],
  );
  await pool.query('vacuum analyze');
  return { organizationId, directoryId };
}

async function explainAll(pool: pg.Pool, scope: DirectoryScope): Promise<Record<string, string>> {
  const one = async (text: string, values: unknown[] = []) => (await pool.query(text, values)).rows[0];
  const s = [scope.organizationId, scope.directoryId];
  const middle = (await one(
    `select id from scim_users where organization_id = $1 and directory_id = $2 order by id offset $3 limit 1`,
    [...s, Math.floor(USERS / 2)],
  )) as { id: string };
  const big = (await one(
    `select id from scim_groups where organization_id = $1 and directory_id = $2 and display_name = $3`,
    [...s, `group-${SMALL_GROUPS}`],
  )) as { id: string };
  const small = (await one(
    `select id from scim_groups where organization_id = $1 and directory_id = $2 and display_name = 'group-7'`,
    s,
  )) as { id: string };
  const bigMiddle = (await one(
    `select member_id from scim_group_members where organization_id = $1 and directory_id = $2 and group_id = $3
     order by member_id offset $4 limit 1`,
    [...s, big.id, Math.floor(BIG_GROUP / 2)],
  )) as { member_id: string };
  const late = (await one(
    `select id, (extract(epoch from updated_at) * 1000000)::bigint::text as micros from scim_users
     where organization_id = $1 and directory_id = $2 order by updated_at, id offset $3 limit 1`,
    [...s, Math.floor(USERS / 2)],
  )) as { id: string; micros: string };
  const byId = (id: string): UserKeyset => ({ by: 'id', id });
  const updated: UserKeyset = { by: 'updated', updatedMicros: late.micros, id: late.id };
  const recent = new Date(Date.UTC(2025, 0, 1) + (USERS - 5000) * 1000).toISOString();
  const cases: [string, Query][] = [
    ['users: first page', userPageQuery(scope, {}, undefined, 100)],
    ['users: page after the middle id', userPageQuery(scope, {}, byId(middle.id), 100)],
    ['users: state=inactive (0.1%)', userPageQuery(scope, { active: false }, undefined, 100)],
    ['users: state=inactive, deep page', userPageQuery(scope, { active: false }, byId(middle.id), 100)],
    ['users: state=active, deep page', userPageQuery(scope, { active: true }, byId(middle.id), 100)],
    ['users: email (other case)', userPageQuery(scope, { email: 'USER4242@example.COM' }, undefined, 100)],
    ['users: updatedAfter (last 5,000)', userPageQuery(scope, { updatedAfter: recent }, undefined, 100)],
    [
      'users: updatedAfter epoch, page at the middle',
      userPageQuery(scope, { updatedAfter: '2000-01-01T00:00:00Z' }, updated, 1000),
    ],
    ['users: groupId (5,000 members)', userPageQuery(scope, { groupId: small.id }, undefined, 100)],
    [
      'users: groupId (100,000 members), middle page',
      userPageQuery(scope, { groupId: big.id }, byId(bigMiddle.member_id), 1000),
    ],
    [
      'users: groupId + state=inactive',
      userPageQuery(scope, { groupId: small.id, active: false }, undefined, 100),
    ],
    ['groups: first page (includes the 100k group)', groupPageQuery(scope, {}, undefined, 1000)],
    ['groups: name filter', groupPageQuery(scope, { name: 'GROUP-7' }, undefined, 100)],
    ['groups: externalId filter', groupPageQuery(scope, { externalId: 'gext-7' }, undefined, 100)],
    ['members: 100k group, first page', memberPageQuery(scope, big.id, undefined, 1000)],
    ['members: 100k group, middle page', memberPageQuery(scope, big.id, bigMiddle.member_id, 1000)],
  ];
  const plans: Record<string, string> = {};
  for (const [label, q] of cases) {
    // Twice: the first run warms the cache; the plan and timing reported are the second's.
    const text = `explain (analyze, buffers, costs off, summary on) ${q.text}`;
    await pool.query({ text, values: q.values });
    const rows = (await pool.query<{ 'QUERY PLAN': string }>({ text, values: q.values })).rows;
    plans[label] = rows.map((r) => r['QUERY PLAN']).join('\n');
    const scans = [
      ...plans[label].matchAll(
        /(Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan)\S*.*?(?: using| on) (\w+)/g,
      ),
    ]
      .map((m) => `${m[1]} ${m[2]}`)
      .join(', ');
    console.log(`${label}: ${rows.at(-1)?.['QUERY PLAN']} | ${scans}`);
    if (process.env.BENCH_VERBOSE) console.log(plans[label]);
  }
  return plans;
}
