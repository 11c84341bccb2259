/**
 * The only module that reads the environment. Every variable is validated at once and every problem is
 * reported together, so an operator fixes a broken deployment in one round trip.
 */
import os from 'node:os';
import path from 'node:path';
import { ADMIN_KEY_PREFIX } from './shared/secrets.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  readonly host: string;
  readonly port: number;
  /** Base for SCIM `meta.location` and endpoint URLs, without a trailing slash. */
  readonly publicUrl: string;
  /** Whether PUBLIC_URL was set; otherwise the server derives it from the port it really listens on. */
  readonly publicUrlExplicit: boolean;
  /** External PostgreSQL; `undefined` means Roster runs its own embedded server in `dataDir`. */
  readonly databaseUrl: string | undefined;
  /** Connections per node: `DATABASE_POOL_SIZE`, else {@link sameMachinePoolSize} when embedded, else 16. */
  readonly databasePoolSize: number;
  readonly dataDir: string;
  readonly bootstrapAdminKey: string | undefined;
  readonly allowPrivateWebhooks: boolean;
  /** 32 bytes that seal webhook signing secrets at rest (AES-256-GCM); `undefined` stores them unsealed. */
  readonly webhookSecretsKey: Buffer | undefined;
  /** Deliveries in flight per node. */
  readonly webhookConcurrency: number;
  readonly webhookTimeoutMs: number;
  /** How often a node looks for due retries and missed notifications. */
  readonly webhookSweepMs: number;
  readonly logLevel: LogLevel;
  readonly bodyLimitBytes: number;
  readonly requestTimeoutMs: number;
  /** Token bucket per credential: sustained requests per second and burst size. 0 disables the limit. */
  readonly rateLimitPerSecond: number;
  readonly rateLimitBurst: number;
  readonly defaultTokenTtlSeconds: number;
  readonly shutdownGraceMs: number;
  /** How long a node may reuse an authenticated credential without reading it again; 0 turns the cache off. */
  readonly credentialCacheSeconds: number;
  /** Events older than this many days are pruned (never ones a webhook has yet to deliver); 0 keeps them forever. */
  readonly eventRetentionDays: number;
}

export interface CliConfig {
  readonly url: string;
  readonly adminKey: string | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  string(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.string(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    this.problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  }

  url(name: string, protocols: readonly string[]): string | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) {
        this.problems.push(`${name} must be a ${protocols.join(' or ')} URL`);
        return undefined;
      }
      return raw;
    } catch {
      // Never echo DATABASE_URL: it may carry a password.
      this.problems.push(`${name} is not a valid URL`);
      return undefined;
    }
  }
}

/**
 * The default pool for a PostgreSQL on this machine's own cores (the embedded server): twice the cores, from 4 to
 * 64. Roster's statements are short and CPU-bound, so connections beyond what the cores run at once only add
 * context switches and lock waits: on the 2-core machine, 4 connections instead of 16 took 25% less machine CPU
 * per member add and per create (docs/decisions.md, "Connection pool sized to the database's cores").
 */
export function sameMachinePoolSize(): number {
  return Math.min(64, Math.max(4, 2 * os.availableParallelism()));
}

/** Reads and validates the server's configuration; throws {@link ConfigError} listing every problem. */
export function loadConfig(env: Env = process.env): Config {
  const r = new Reader(env);
  const host = r.string('HOST') ?? '127.0.0.1';
  const port = r.integer('PORT', 8080, 0, 65535);
  const explicitUrl = r.url('PUBLIC_URL', ['http:', 'https:']);
  const publicUrl = (explicitUrl ?? `http://${formatHost(host)}:${port}`).replace(/\/+$/, '');
  const logLevel = (r.string('LOG_LEVEL')?.toLowerCase() ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) r.problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  const bootstrapAdminKey = r.string('ROSTER_BOOTSTRAP_ADMIN_KEY');
  if (bootstrapAdminKey !== undefined && !isWellFormedAdminKey(bootstrapAdminKey)) {
    r.problems.push(
      `ROSTER_BOOTSTRAP_ADMIN_KEY must start with "${ADMIN_KEY_PREFIX}" followed by at least 32 characters from [A-Za-z0-9_-]`,
    );
  }

  const rawSecretsKey = r.string('ROSTER_WEBHOOK_SECRETS_KEY');
  const webhookSecretsKey = rawSecretsKey === undefined ? undefined : Buffer.from(rawSecretsKey, 'base64url');
  if (
    webhookSecretsKey &&
    (webhookSecretsKey.length !== 32 || !/^[A-Za-z0-9_-]{43}=?$/.test(rawSecretsKey!))
  ) {
    r.problems.push('ROSTER_WEBHOOK_SECRETS_KEY must be 32 bytes in base64url (43 characters)');
  }

  const databaseUrl = r.url('DATABASE_URL', ['postgres:', 'postgresql:']);
  const config: Config = {
    host,
    port,
    publicUrl,
    publicUrlExplicit: explicitUrl !== undefined,
    databaseUrl,
    // An external server's cores and distance are unknown: 16 keeps enough statements in flight to hide a network
    // round trip. The embedded one shares this machine's cores.
    databasePoolSize: r.integer('DATABASE_POOL_SIZE', databaseUrl ? 16 : sameMachinePoolSize(), 1, 500),
    dataDir: path.resolve(r.string('ROSTER_DATA_DIR') ?? './data'),
    bootstrapAdminKey,
    allowPrivateWebhooks: r.boolean('ROSTER_ALLOW_PRIVATE_WEBHOOKS', false),
    webhookSecretsKey,
    webhookConcurrency: r.integer('ROSTER_WEBHOOK_CONCURRENCY', 8, 1, 256),
    webhookTimeoutMs: r.integer('ROSTER_WEBHOOK_TIMEOUT_MS', 10_000, 100, 60_000),
    webhookSweepMs: r.integer('ROSTER_WEBHOOK_SWEEP_MS', 1_000, 50, 60_000),
    logLevel,
    bodyLimitBytes: r.integer('ROSTER_BODY_LIMIT_BYTES', 1_048_576, 1024, 64 * 1_048_576),
    requestTimeoutMs: r.integer('ROSTER_REQUEST_TIMEOUT_MS', 30_000, 1000, 600_000),
    rateLimitPerSecond: r.integer('ROSTER_RATE_LIMIT_PER_SECOND', 200, 0, 1_000_000),
    rateLimitBurst: r.integer('ROSTER_RATE_LIMIT_BURST', 400, 1, 1_000_000),
    defaultTokenTtlSeconds: r.integer('ROSTER_TOKEN_TTL_SECONDS', 365 * 86_400, 60, 10 * 365 * 86_400),
    shutdownGraceMs: r.integer('ROSTER_SHUTDOWN_GRACE_MS', 10_000, 0, 300_000),
    credentialCacheSeconds: r.integer('ROSTER_CREDENTIAL_CACHE_SECONDS', 60, 0, 3_600),
    eventRetentionDays: r.integer('ROSTER_EVENT_RETENTION_DAYS', 0, 0, 36_500),
  };
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return Object.freeze(config);
}

/** Configuration of the `roster` command's admin-API client commands. */
export function loadCliConfig(env: Env = process.env): CliConfig {
  const r = new Reader(env);
  const url = (r.url('ROSTER_URL', ['http:', 'https:']) ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const adminKey = r.string('ROSTER_ADMIN_KEY');
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return Object.freeze({ url, adminKey });
}

export function isWellFormedAdminKey(key: string): boolean {
  return (
    key.startsWith(ADMIN_KEY_PREFIX) && /^[A-Za-z0-9_-]{32,256}$/.test(key.slice(ADMIN_KEY_PREFIX.length))
  );
}

export function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
