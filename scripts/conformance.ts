/**
 * `npm run conformance`: starts Roster on a fresh embedded database, creates one directory per identity provider
 * profile, and runs the providers' own certification suites (../shared/compliance/run.sh) against it:
 * Microsoft's collection against an `entra` directory, Okta's three revisions against an `okta` directory.
 * Fails when any check fails that docs/conformance.md does not list as contradicting RFC 7644.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config.js';
import { startServer } from '../src/main.js';
import { createLogger } from '../src/shared/logger.js';

const RUNNER = path.resolve(process.env.COMPLIANCE_RUNNER ?? '../shared/compliance/run.sh');
const RUNS = [
  { provider: 'entra', suites: 'microsoft' },
  { provider: 'okta', suites: 'okta okta-2023 okta-2019' },
];

function knownFailures(): Set<string> {
  const doc = readFileSync('docs/conformance.md', 'utf8');
  // Rows of the "Known failures" table: | `check name` | reason |
  return new Set([...doc.matchAll(/^\|\s*`([^`]+)`\s*\|/gm)].map((m) => m[1]!));
}

function run(command: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      process.stdout.write(d);
    });
    child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
    child.on('error', reject);
    child.on('exit', () => resolve(out));
  });
}

async function main(): Promise<number> {
  if (!existsSync(RUNNER)) {
    console.error(`compliance runner not found at ${RUNNER}`);
    return 2;
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'roster-conformance-'));
  chmodSync(dataDir, 0o755);
  const adminKey = `rst_admin_${randomBytes(32).toString('base64url')}`;
  const config = loadConfig({
    PORT: '0',
    ROSTER_DATA_DIR: dataDir,
    ROSTER_BOOTSTRAP_ADMIN_KEY: adminKey,
    ROSTER_RATE_LIMIT_PER_SECOND: '0',
    LOG_LEVEL: 'warn',
  });
  const server = await startServer(config, createLogger('warn'));
  const api = async (pathname: string, body: unknown) => {
    const res = await fetch(`${server.url}/api/v1${pathname}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${pathname}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, string>;
  };
  const failures: string[] = [];
  let passed = 0;
  try {
    const org = await api('/organizations', { name: 'Conformance' });
    for (const { provider, suites } of RUNS) {
      const dir = await api(`/organizations/${org.id}/directories`, { name: provider, provider });
      const token = await api(`/directories/${dir.id}/tokens`, {});
      const out = await run('bash', [RUNNER, `${server.url}/scim/v2/${dir.id}`, token.token!], {
        SUITES: suites,
      });
      passed += Number(/(\d+) passed, \d+ failed\s*$/.exec(out)?.[1] ?? 0);
      failures.push(...out.split('\n').filter((l) => l.trim().startsWith('FAIL ')));
    }
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const known = knownFailures();
  const unexpected = failures.filter((line) => ![...known].some((name) => line.includes(name)));
  console.log(
    `\nconformance: ${passed} checks passed, ${failures.length} failed (${unexpected.length} not listed in docs/conformance.md)`,
  );
  for (const line of unexpected) console.log(`  unexpected: ${line.trim()}`);
  return unexpected.length === 0 && passed > 0 ? 0 : 1;
}

process.exitCode = await main();
