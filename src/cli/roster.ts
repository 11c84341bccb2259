/**
 * The `roster` command: `serve` runs the server; `org`, `directory`, `token` and `admin-key` call the admin API of
 * a running server (ROSTER_URL, ROSTER_ADMIN_KEY). Tables for people, `--json` for scripts; errors go to stderr
 * with a non-zero exit code.
 */
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadCliConfig, loadConfig } from '../config.js';
import { createLogger } from '../shared/logger.js';
import { AdminApiError, AdminClient } from './admin-client.js';
import { formatTable } from './table.js';

type Row = Record<string, unknown>;

interface GlobalOptions {
  json?: boolean;
  url?: string;
  key?: string;
}

const ORG_COLUMNS = ['id', 'name', 'createdAt'];
const DIRECTORY_COLUMNS = ['id', 'organizationId', 'name', 'provider', 'state', 'scimBaseUrl'];
const CREDENTIAL_COLUMNS = ['id', 'name', 'hint', 'scopes', 'expiresAt', 'revokedAt', 'lastUsedAt'];

export function buildProgram(): Command {
  const program = new Command('roster')
    .description('Roster: multi-tenant SCIM 2.0 directory sync')
    .option('--json', 'machine-readable JSON output')
    .option('--url <url>', 'admin API base URL (default: $ROSTER_URL or http://127.0.0.1:8080)')
    .option('--key <key>', 'admin key (default: $ROSTER_ADMIN_KEY)')
    .showHelpAfterError()
    .configureOutput({ outputError: (text, write) => write(text) });

  program
    .command('serve')
    .description('run the Roster server (embedded PostgreSQL unless DATABASE_URL is set)')
    .action(async () => {
      const config = loadConfig();
      // Loaded lazily: the admin-client commands should not pay for the server's start-up imports.
      const { serve } = await import('../main.js');
      await serve(config, createLogger(config.logLevel));
    });

  const client = (): AdminClient => {
    const opts = program.opts<GlobalOptions>();
    const cli = loadCliConfig();
    return new AdminClient((opts.url ?? cli.url).replace(/\/+$/, ''), opts.key ?? cli.adminKey);
  };
  const out = (value: unknown, columns: readonly string[]): void => {
    if (program.opts<GlobalOptions>().json) {
      process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      return;
    }
    const rows = Array.isArray(value) ? (value as Row[]) : [value as Row];
    process.stdout.write(`${formatTable(rows, columns)}\n`);
  };
  const done = (message: string): void => {
    if (program.opts<GlobalOptions>().json) process.stdout.write(`${JSON.stringify({ ok: true })}\n`);
    else process.stdout.write(`${message}\n`);
  };
  /** Prints a freshly issued secret prominently: it is never shown again. */
  const secret = (issued: Row, field: 'token' | 'key', columns: readonly string[]): void => {
    if (program.opts<GlobalOptions>().json) return out(issued, columns);
    out(issued, columns);
    process.stdout.write(`\n${field}: ${String(issued[field])}\n(store it now: it is not shown again)\n`);
  };

  const org = program.command('org').description('manage organizations');
  org
    .command('create')
    .argument('<name>', 'organization name')
    .action(async (name: string) =>
      out(await client().request('POST', '/organizations', { name }), ORG_COLUMNS),
    );
  org.command('list').action(async () => out(await client().listAll('/organizations'), ORG_COLUMNS));
  org
    .command('get')
    .argument('<organizationId>')
    .action(async (id: string) =>
      out(await client().request('GET', `/organizations/${enc(id)}`), ORG_COLUMNS),
    );
  org
    .command('delete')
    .argument('<organizationId>')
    .description('delete an organization with all its directories and credentials')
    .action(async (id: string) => {
      await client().request('DELETE', `/organizations/${enc(id)}`);
      done(`deleted organization ${id}`);
    });

  const directory = program.command('directory').description('manage directories (one per IdP connection)');
  directory
    .command('create')
    .requiredOption('--org <organizationId>', 'organization that owns the directory')
    .requiredOption('--name <name>', 'directory name')
    .option(
      '--provider <provider>',
      'identity provider (entra, okta, onelogin, jumpcloud, google, rauthy, keycloak, ...)',
      'generic',
    )
    .action(async (o: { org: string; name: string; provider: string }) =>
      out(
        await client().request('POST', `/organizations/${enc(o.org)}/directories`, {
          name: o.name,
          provider: o.provider,
        }),
        DIRECTORY_COLUMNS,
      ),
    );
  directory
    .command('list')
    .requiredOption('--org <organizationId>')
    .action(async (o: { org: string }) =>
      out(await client().listAll(`/organizations/${enc(o.org)}/directories`), DIRECTORY_COLUMNS),
    );
  directory
    .command('get')
    .argument('<directoryId>')
    .action(async (id: string) =>
      out(await client().request('GET', `/directories/${enc(id)}`), DIRECTORY_COLUMNS),
    );
  directory
    .command('delete')
    .argument('<directoryId>')
    .action(async (id: string) => {
      await client().request('DELETE', `/directories/${enc(id)}`);
      done(`deleted directory ${id}`);
    });

  const token = program.command('token').description("manage a directory's SCIM bearer tokens");
  token
    .command('create')
    .requiredOption('--directory <directoryId>')
    .option('--name <name>', 'a label for the token')
    .option('--scopes <scopes>', 'comma-separated: scim:read,scim:write', list)
    .option('--expires-in <seconds>', 'lifetime in seconds (default 365 days)', positiveInt)
    .action(async (o: { directory: string; name?: string; scopes?: string[]; expiresIn?: number }) => {
      const issued = await client().request<Row>('POST', `/directories/${enc(o.directory)}/tokens`, {
        ...(o.name ? { name: o.name } : {}),
        ...(o.scopes ? { scopes: o.scopes } : {}),
        ...(o.expiresIn ? { expiresInSeconds: o.expiresIn } : {}),
      });
      secret(issued, 'token', CREDENTIAL_COLUMNS);
    });
  token
    .command('list')
    .requiredOption('--directory <directoryId>')
    .action(async (o: { directory: string }) =>
      out(await client().listAll(`/directories/${enc(o.directory)}/tokens`), CREDENTIAL_COLUMNS),
    );
  token
    .command('revoke')
    .requiredOption('--directory <directoryId>')
    .argument('<tokenId>')
    .action(async (tokenId: string, o: { directory: string }) => {
      await client().request('DELETE', `/directories/${enc(o.directory)}/tokens/${enc(tokenId)}`);
      done(`revoked token ${tokenId}`);
    });
  token
    .command('rotate')
    .requiredOption('--directory <directoryId>')
    .argument('<tokenId>')
    .option(
      '--grace <seconds>',
      'how long the old token keeps working (default 0: revoked now)',
      nonNegativeInt,
    )
    .action(async (tokenId: string, o: { directory: string; grace?: number }) => {
      const issued = await client().request<Row>(
        'POST',
        `/directories/${enc(o.directory)}/tokens/${enc(tokenId)}/rotate`,
        { graceSeconds: o.grace ?? 0 },
      );
      secret(issued, 'token', CREDENTIAL_COLUMNS);
    });

  const adminKey = program.command('admin-key').description('manage admin keys');
  adminKey
    .command('create')
    .option('--org <organizationId>', 'scope the key to one organization (default: platform-wide)')
    .option('--name <name>')
    .option('--scopes <scopes>', 'comma-separated: admin:read,admin:write', list)
    .option('--expires-in <seconds>', 'lifetime in seconds', positiveInt)
    .action(async (o: { org?: string; name?: string; scopes?: string[]; expiresIn?: number }) => {
      const issued = await client().request<Row>('POST', '/admin-keys', {
        ...(o.org ? { organizationId: o.org } : {}),
        ...(o.name ? { name: o.name } : {}),
        ...(o.scopes ? { scopes: o.scopes } : {}),
        ...(o.expiresIn ? { expiresInSeconds: o.expiresIn } : {}),
      });
      secret(issued, 'key', ['id', 'organizationId', ...CREDENTIAL_COLUMNS.slice(1)]);
    });
  adminKey
    .command('list')
    .option('--org <organizationId>')
    .action(async (o: { org?: string }) =>
      out(await client().listAll(`/admin-keys${o.org ? `?organizationId=${enc(o.org)}` : ''}`), [
        'id',
        'organizationId',
        ...CREDENTIAL_COLUMNS.slice(1),
      ]),
    );
  adminKey
    .command('revoke')
    .argument('<keyId>')
    .action(async (keyId: string) => {
      await client().request('DELETE', `/admin-keys/${enc(keyId)}`);
      done(`revoked admin key ${keyId}`);
    });

  return program;
}

const enc = encodeURIComponent;

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
}

/** Runs the command line; resolves to the process exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    if (error instanceof AdminApiError) {
      process.stderr.write(`error: ${error.code}: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
