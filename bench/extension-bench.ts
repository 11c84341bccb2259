/**
 * Custom schema extensions at 100k users (issue 6): the same filter and sort on a core attribute, on an indexed
 * custom extension attribute and on an unindexed one, over loopback HTTP at concurrency 32 against Roster as its
 * own process, with EXPLAIN of the compiled SQL as evidence. Also times building the directory's indexes when
 * the schema is added to a directory that already holds the users.
 *
 *   npm run bench -- extensions
 *   BENCH_USERS=20000 BENCH_SECONDS=3 npm run bench -- extensions
 */
import type pg from 'pg';
import { sql } from '../src/db/database.js';
import { compileFilter, compileSortKey } from '../src/db/filter-sql.js';
import { loadDirectoryModel } from '../src/directory/directory-model.js';
import type { DirectoryScope } from '../src/directory/scope.js';
import { parseScimFilter } from '../src/scim/filter/parse.js';
import type { DirectoryId, OrganizationId } from '../src/shared/ids.js';
import { call, expectStatus, setUp, startBenchServer } from './scim-bench.js';
import { type LoadResult, runLoad, writeResults } from './support.js';

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6) * 1000;
const CONCURRENCY = 32;
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ACME = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';
const SURNAMES = 1000;

export async function extensionBench(): Promise<void> {
  const bench = await startBenchServer('extensions');
  try {
    const target = await setUp(bench.httpPort, bench.adminKey, 'generic');
    const directoryId = target.base.split('/').at(-1)! as DirectoryId;
    const { organization_id } = (
      await bench.pool.query<{ organization_id: string }>(
        'select organization_id from directories where id = $1',
        [directoryId],
      )
    ).rows[0]!;
    const scope: DirectoryScope = { organizationId: organization_id as OrganizationId, directoryId };
    let started = performance.now();
    await seed(bench.pool, scope);
    const seedSeconds = (performance.now() - started) / 1000;
    console.log(`seeded ${USERS} users with SQL in ${seedSeconds.toFixed(1)} s`);

    // The schema arrives after the users: its two indexes are built concurrently over the stored rows.
    started = performance.now();
    const res = await fetch(`http://127.0.0.1:${bench.httpPort}/api/v1/directories/${directoryId}/schemas`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bench.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        id: ACME,
        resourceType: 'User',
        indexed: ['costCenter'],
        attributes: [
          { name: 'costCenter' },
          { name: 'region' },
          { name: 'badge', uniqueness: 'server', caseExact: true },
        ],
      }),
    });
    if (res.status !== 201) throw new Error(`schema: ${res.status} ${await res.text()}`);
    const schemaSeconds = (performance.now() - started) / 1000;
    console.log(`POST schema with 2 indexes over ${USERS} users: ${schemaSeconds.toFixed(2)} s`);
    await bench.pool.query('analyze');

    const g = (i: number) => ((i * 7919) % USERS) + 1;
    const cases: {
      label: string;
      query: (i: number) => string;
      filter?: (i: number) => string;
      sortBy?: string;
    }[] = [
      {
        label: 'core: userName eq',
        query: (i) => `filter=${enc(`userName eq "user${g(i)}@example.com"`)}`,
        filter: (i) => `userName eq "user${g(i)}@example.com"`,
      },
      {
        label: 'custom indexed: costCenter eq',
        query: (i) => `filter=${enc(`${ACME}:costCenter eq "cc-${g(i)}"`)}`,
        filter: (i) => `${ACME}:costCenter eq "cc-${g(i)}"`,
      },
      {
        label: 'custom unique: badge eq',
        query: (i) => `filter=${enc(`${ACME}:badge eq "B${g(i)}"`)}`,
        filter: (i) => `${ACME}:badge eq "B${g(i)}"`,
      },
      {
        label: 'custom unindexed: region eq',
        query: (i) => `filter=${enc(`${ACME}:region eq "R-${g(i)}"`)}`,
        filter: (i) => `${ACME}:region eq "R-${g(i)}"`,
      },
      {
        label: 'core: sortBy name.familyName, count=100',
        query: () => 'sortBy=name.familyName&count=100',
        sortBy: 'name.familyName',
      },
      {
        label: 'custom indexed: sortBy costCenter, count=100',
        query: () => `sortBy=${ACME}:costCenter&count=100`,
        sortBy: `${ACME}:costCenter`,
      },
      {
        label: 'custom unindexed: sortBy region, count=100',
        query: () => `sortBy=${ACME}:region&count=100`,
        sortBy: `${ACME}:region`,
      },
      {
        label: 'core: familyName sw + sortBy familyName',
        query: (i) =>
          `filter=${enc(`name.familyName sw "Surname${String(i % 100).padStart(2, '0')}"`)}&sortBy=name.familyName&count=100`,
        filter: (i) => `name.familyName sw "Surname${String(i % 100).padStart(2, '0')}"`,
        sortBy: 'name.familyName',
      },
      {
        label: 'custom indexed: costCenter sw + sortBy costCenter',
        query: (i) =>
          `filter=${enc(`${ACME}:costCenter sw "cc-${(i % 90) + 10}"`)}&sortBy=${ACME}:costCenter&count=100`,
        filter: (i) => `${ACME}:costCenter sw "cc-${(i % 90) + 10}"`,
        sortBy: `${ACME}:costCenter`,
      },
    ];
    const results: (LoadResult & { plan: string })[] = [];
    const model = await loadDirectoryModel(bench.pool, scope);
    for (const c of cases) {
      const load = await runLoad(
        `${c.label} @${USERS}`,
        { concurrency: CONCURRENCY, durationMs: SECONDS },
        async (i) => {
          await expectStatus(call(target, 'GET', `/Users?${c.query(i)}`), 200);
        },
      );
      const where = c.filter ? compileFilter(parseScimFilter(c.filter(4242)), model.users) : sql`true`;
      const order = c.sortBy ? sql`${compileSortKey(c.sortBy, model.users)}, r.id` : sql`r.id`;
      const q = sql`explain (analyze, costs off, timing off, summary on)
        select r.id from scim_users r
        where r.organization_id = ${scope.organizationId} and r.directory_id = ${scope.directoryId} and (${where})
        order by ${order} limit 100`;
      const rows = (await bench.pool.query<{ 'QUERY PLAN': string }>({ text: q.text, values: q.values }))
        .rows;
      const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      const index = /Index (?:Only )?Scan (?:Backward )?using (\w+)|Bitmap Index Scan on (\w+)/.exec(plan);
      console.log(
        `  EXPLAIN: ${index ? (index[1] ?? index[2]) : 'no index'} | ${rows.at(-1)?.['QUERY PLAN']}`,
      );
      results.push({ ...load, plan });
    }
    writeResults('extensions', {
      users: USERS,
      concurrency: CONCURRENCY,
      seedSeconds,
      schemaSeconds,
      results,
    });
  } finally {
    await bench.stop();
  }
}

const enc = encodeURIComponent;

/** 100k users as the API would store them, each with the extension: costCenter `CC-g`, region, badge. */
async function seed(pool: pg.Pool, scope: DirectoryScope): Promise<void> {
  const step = 50_000;
  for (let start = 1; start <= USERS; start += step) {
    const end = Math.min(USERS, start + step - 1);
    await pool.query(
      `insert into scim_users (organization_id, directory_id, id, user_name, external_id, given_name, family_name,
                               active, resource)
       select $1, $2, gen_random_uuid(), 'user' || g || '@example.com', 'ext-' || g, 'Given' || g,
              'Surname' || lpad((g % ${SURNAMES})::text, 3, '0'), true,
              jsonb_build_object('schemas', jsonb_build_array('${USER}', '${ACME}'),
                'userName', 'user' || g || '@example.com', 'externalId', 'ext-' || g,
                'name', jsonb_build_object('givenName', 'Given' || g,
                                           'familyName', 'Surname' || lpad((g % ${SURNAMES})::text, 3, '0')),
                'emails', jsonb_build_array(jsonb_build_object('value', 'user' || g || '@example.com',
                                                               'type', 'work', 'primary', true)),
                'active', true,
                '${ACME}', jsonb_build_object('costCenter', 'CC-' || g, 'region', 'R-' || g, 'badge', 'B' || g))
       from generate_series($3::int, $4::int) g`,
      [scope.organizationId, scope.directoryId, start, end],
    );
  }
  await pool.query(
    `insert into scim_user_emails (organization_id, directory_id, user_id, position, value, type, is_primary)
     select organization_id, directory_id, id, 0, user_name, 'work', true from scim_users
     where organization_id = $1 and directory_id = $2`,
    [scope.organizationId, scope.directoryId],
  );
  await pool.query('analyze');
}
