/**
 * Builds the HTTP application: health and metrics at the root, then one encapsulated scope per surface
 * (`/api/v1` admin API, `/scim/v2` SCIM), each with its own authentication, parsers and error rendering.
 */
import helmet from '@fastify/helmet';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { randomUUID } from 'node:crypto';
import { type Config, formatHost } from '../config.js';
import type { Database } from '../db/database.js';
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
}

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

  const ctx: AppContext = {
    config,
    db: deps.db,
    metrics: deps.metrics,
    rateLimiter: new RateLimiter(config.rateLimitPerSecond, config.rateLimitBurst),
    now: deps.now ?? (() => new Date()),
    publicUrl: () => {
      if (config.publicUrlExplicit) return config.publicUrl;
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      return `http://${formatHost(config.host)}:${port}`;
    },
  };

  app.decorateRequest('principal', null);
  await app.register(helmet, {
    contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  });

  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
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
