import { describe, expect, test } from 'vitest';
import { ConfigError, loadCliConfig, loadConfig, sameMachinePoolSize } from './config.js';

const KEY = `rst_admin_${'a'.repeat(43)}`;

describe('loadConfig', () => {
  test('defaults match the architecture contract', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      publicUrl: 'http://127.0.0.1:8080',
      databaseUrl: undefined,
      bootstrapAdminKey: undefined,
      allowPrivateWebhooks: false,
      logLevel: 'info',
      defaultTokenTtlSeconds: 365 * 86_400,
    });
    expect(config.dataDir).toMatch(/\/data$/);
    expect(Object.isFrozen(config)).toBe(true);
  });

  test('reads every variable', () => {
    const config = loadConfig({
      HOST: '0.0.0.0',
      PORT: '9000',
      PUBLIC_URL: 'https://roster.example.com/',
      DATABASE_URL: 'postgres://u:p@db:5432/roster',
      ROSTER_DATA_DIR: '/var/lib/roster',
      ROSTER_BOOTSTRAP_ADMIN_KEY: KEY,
      ROSTER_ALLOW_PRIVATE_WEBHOOKS: 'true',
      LOG_LEVEL: 'DEBUG',
      ROSTER_RATE_LIMIT_PER_SECOND: '5',
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 9000,
      publicUrl: 'https://roster.example.com',
      databaseUrl: 'postgres://u:p@db:5432/roster',
      dataDir: '/var/lib/roster',
      bootstrapAdminKey: KEY,
      allowPrivateWebhooks: true,
      logLevel: 'debug',
      rateLimitPerSecond: 5,
    });
  });

  test('sizes the pool by where the database runs, unless told', () => {
    expect(loadConfig({}).databasePoolSize).toBe(sameMachinePoolSize());
    expect(loadConfig({ DATABASE_URL: 'postgres://db/roster' }).databasePoolSize).toBe(16);
    expect(loadConfig({ DATABASE_POOL_SIZE: '7' }).databasePoolSize).toBe(7);
    expect(
      loadConfig({ DATABASE_URL: 'postgres://db/roster', DATABASE_POOL_SIZE: '3' }).databasePoolSize,
    ).toBe(3);
    expect(sameMachinePoolSize()).toBeGreaterThanOrEqual(4);
    expect(sameMachinePoolSize()).toBeLessThanOrEqual(64);
  });

  test('lists every problem at once and never echoes the database URL', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        LOG_LEVEL: 'loud',
        DATABASE_URL: 'mysql://secret-password@x',
        ROSTER_BOOTSTRAP_ADMIN_KEY: 'short',
        ROSTER_ALLOW_PRIVATE_WEBHOOKS: 'maybe',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(/PORT/);
    expect(problems.join('\n')).toMatch(/LOG_LEVEL/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL/);
    expect(problems.join('\n')).toMatch(/ROSTER_BOOTSTRAP_ADMIN_KEY/);
    expect(problems.join('\n')).toMatch(/ROSTER_ALLOW_PRIVATE_WEBHOOKS/);
    expect((error as Error).message).not.toContain('secret-password');
  });

  test.each([
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['ROSTER_BODY_LIMIT_BYTES', '10'],
    ['PUBLIC_URL', 'ftp://x'],
    ['ROSTER_BOOTSTRAP_ADMIN_KEY', `rst_scim_${'a'.repeat(43)}`],
  ])('%s=%s is rejected', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
  });
});

describe('loadCliConfig', () => {
  test('defaults to the local server', () => {
    expect(loadCliConfig({})).toEqual({ url: 'http://127.0.0.1:8080', adminKey: undefined });
  });
  test('reads ROSTER_URL and ROSTER_ADMIN_KEY', () => {
    expect(loadCliConfig({ ROSTER_URL: 'http://h:1/', ROSTER_ADMIN_KEY: KEY })).toEqual({
      url: 'http://h:1',
      adminKey: KEY,
    });
  });
});

describe('webhook settings', () => {
  test('defaults, and a secrets key must be 32 bytes of base64url', () => {
    expect(loadConfig({})).toMatchObject({
      webhookSecretsKey: undefined,
      webhookConcurrency: 8,
      webhookTimeoutMs: 10_000,
      webhookSweepMs: 1_000,
    });
    const key = Buffer.alloc(32, 1).toString('base64url');
    expect(loadConfig({ ROSTER_WEBHOOK_SECRETS_KEY: key }).webhookSecretsKey).toEqual(Buffer.alloc(32, 1));
    expect(() => loadConfig({ ROSTER_WEBHOOK_SECRETS_KEY: 'short' })).toThrow(/ROSTER_WEBHOOK_SECRETS_KEY/);
    expect(() => loadConfig({ ROSTER_WEBHOOK_CONCURRENCY: '0' })).toThrow(/ROSTER_WEBHOOK_CONCURRENCY/);
  });
});
