/**
 * Builds the HTTP application: health and metrics at the root, then one encapsulated scope per surface
 * (`/api/v1` admin API, `/scim/v2` SCIM), each with its own authentication, parsers and error rendering.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { type Config, formatHost } from '../config.js';
import type { Database } from '../db/database.js';
import { type Subscription, listenForNotifications } from '../db/notifications.js';
import { DirectoryModels } from '../directory/directory-model.js';
import { ToleranceRecorder } from '../directory/tolerance-recorder.js';
import { startEventSequencing } from '../events/event-sequencing.js';
import { startEventRetention } from '../events/event-retention.js';
import { SecretBox } from '../shared/secret-box.js';
import { CredentialCache } from '../tenants/credential-cache.js';
import { DeliveryWorker } from '../webhooks/delivery-worker.js';
import { adminPlugin } from './admin/admin-plugin.js';
import type { AppContext } from './app-context.js';
import { healthRoutes } from './health-routes.js';
import { type Metrics } from './metrics.js';
import { RateLimiter } from './rate-limiter.js';
import './request-context.js';
import { scimPlugin } from './scim/scim-plugin.js';

export interface AppDependencies {
  config: Config;
  db: Database;
  log: FastifyBaseLogger;
  metrics: Metrics;
  now?: () => Date;
  /** `false`: this process does not deliver webhooks (another node does). */
  webhookWorker?: boolean;
}

const TOLERANCE_FLUSH_MS = 5_000;
const EVENT_SWEEP_MS = 1_000;
// A request sequences its own events right after its commit; the sweep only takes what is older than this.
const EVENT_SWEEP_GRACE_MS = 2_000;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    loggerInstance: deps.log,
    bodyLimit: config.bodyLimitBytes,
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.requestTimeoutMs,
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
    // Accept a caller's request id when it is harmless, so traces join up across services.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    logController: new LogController({ disableRequestLogging: true }),
    // Unknown fields are refused, not silently dropped: a typo in a request must not look like success.
    ajv: { customOptions: { removeAdditional: false } },
    // SCIM endpoint names are matched case-insensitively (`/users`, as Microsoft's test suite sends); path
    // parameters keep their case.
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, caseSensitive: false },
  });

  const credentialCache = new CredentialCache(10_000, config.credentialCacheSeconds * 1000);
  const secretBox = new SecretBox(config.webhookSecretsKey);
  const now = deps.now ?? (() => new Date());
  const worker =
    deps.webhookWorker === false
      ? undefined
      : new DeliveryWorker({
          connection: deps.db.connection,
          concurrency: config.webhookConcurrency,
          timeoutMs: config.webhookTimeoutMs,
          sweepMs: config.webhookSweepMs,
          allowPrivate: config.allowPrivateWebhooks,
          box: secretBox,
          now,
          log: deps.log,
        });
  // One LISTEN session per node for every channel.
  const subscriptions = new Map<string, Subscription>();
  if (config.credentialCacheSeconds > 0) {
    subscriptions.set('roster_auth', {
      onNotify: () => credentialCache.invalidate(),
      onListening: () => credentialCache.setLive(true),
      onReset: () => credentialCache.setLive(false),
    });
  }
  if (worker) {
    subscriptions.set('roster_events', {
      onNotify: (directoryId) => worker.notify(directoryId),
      // Anything committed while nobody listened is found by a full sweep.
      onListening: () => worker.sweep(),
      onReset: () => undefined,
    });
  }
  if (subscriptions.size > 0) {
    const listener = listenForNotifications(deps.db.connection, subscriptions, deps.log);
    app.addHook('onClose', () => listener.close());
  }
  if (worker) {
    worker.start();
    // `roster serve` closes the app before the database: deliveries in flight store their progress first.
    app.addHook('onClose', () => worker.stop());
  }

  const tolerance = new ToleranceRecorder({
    normalized: (provider, normalization) => deps.metrics.normalizations.inc({ provider, normalization }),
    ignored: (provider) => deps.metrics.ignoredInputs.inc({ provider }),
  });
  tolerance.start(deps.db.pool, TOLERANCE_FLUSH_MS, deps.log);
  app.addHook('onClose', () =>
    tolerance.stop(deps.db.pool).catch(() => deps.log.warn('could not record the last tolerance counters')),
  );

  // Events left queued by a node that stopped between a commit and its sequencing (see migration 0012).
  const sequencing = startEventSequencing(deps.db.pool, EVENT_SWEEP_MS, EVENT_SWEEP_GRACE_MS, deps.log);
  app.addHook('onClose', () => sequencing.stop());

  const retention = startEventRetention(deps.db.pool, config.eventRetentionDays, 3_600_000, deps.log);
  app.addHook('onClose', async () => retention.stop());

  let listeningUrl: string | undefined;
  const ctx: AppContext = {
    config,
    db: deps.db,
    metrics: deps.metrics,
    rateLimiter: new RateLimiter(config.rateLimitPerSecond, config.rateLimitBurst),
    credentialCache,
    models: new DirectoryModels(deps.db.pool),
    tolerance,
    now,
    secretBox,
    publicUrl: () => {
      if (config.publicUrlExplicit) return config.publicUrl;
      if (listeningUrl) return listeningUrl;
      const address = app.server.address();
      if (typeof address !== 'object' || !address) return `http://${formatHost(config.host)}:${config.port}`;
      // Once listening, the address is fixed: remember it rather than ask the socket on every request.
      listeningUrl = `http://${formatHost(config.host)}:${address.port}`;
      return listeningUrl;
    },
  };

  app.decorateRequest('principal', null);
  app.decorateRequest('directoryModel', null);
  const security = securityHeaders();
  app.addHook('onRequest', (request, reply, done) => {
    void reply.headers(security).header('x-request-id', request.id);
    done();
  });
  // One log line per request, with the route template rather than the URL: query strings carry filters with
  // personal data (`userName eq "..."`), and never a header or body.
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? '(unmatched)';
    const labels = { method: request.method, route, status: String(reply.statusCode) };
    const seconds = reply.elapsedTime / 1000;
    ctx.metrics.requests.inc(labels);
    ctx.metrics.duration.observe(labels, seconds);
    request.log.info(
      {
        method: request.method,
        route,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request completed',
    );
  });

  await app.register(healthRoutes, ctx);
  await app.register((scope) => adminPlugin(scope, ctx), { prefix: '/api/v1' });
  await app.register((scope) => scimPlugin(scope, ctx), { prefix: '/scim/v2' });
  return app;
}

/**
 * Helmet's security headers (a strict CSP: Roster serves JSON, and the UI scope its own assets). They do not
 * depend on the request, so helmet runs once here and every response gets the same headers, instead of helmet
 * re-deriving its CSP string on every request (8% of a /healthz request's CPU in a profile).
 */
function securityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  } as unknown as ServerResponse;
  helmet({ contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } })(
    {} as IncomingMessage,
    response,
    (error?: unknown) => {
      if (error) throw error instanceof Error ? error : new Error('helmet refused its options');
    },
  );
  return headers;
}
