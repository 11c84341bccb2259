/**
 * The admin API scope (`/api/v1`): admin-key authentication, per-credential rate limits, TypeBox-validated JSON,
 * `{ error: { code, message } }` errors, and an OpenAPI document generated from the route schemas.
 */
import swagger from '@fastify/swagger';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticate, bearerSecret } from '../../tenants/authenticate.js';
import { Forbidden, Rejected } from '../../tenants/principal.js';
import type { AppContext } from '../app-context.js';
import { AdminError, type AdminErrorCode } from './admin-error.js';
import { ErrorBody } from './admin-schemas.js';
import { attributeMappingRoutes } from './attribute-mapping-routes.js';
import { auditRoutes } from './audit-routes.js';
import { adminKeyRoutes } from './admin-key-routes.js';
import { directoryReadRoutes } from './directory-read-routes.js';
import { directoryRoutes } from './directory-routes.js';
import { eventRoutes } from './event-routes.js';
import { providerRoutes } from './provider-routes.js';
import { directorySchemaRoutes } from './directory-schema-routes.js';
import { organizationRoutes } from './organization-routes.js';
import { tokenRoutes } from './token-routes.js';
import { webhookRoutes } from './webhook-routes.js';

const PUBLIC_PATHS = new Set(['/api/v1/openapi.json']);

export async function adminPlugin(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Roster admin API', version: '1' },
      components: { securitySchemes: { adminKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ adminKey: [] }],
    },
  });
  app.addSchema(ErrorBody);
  // The admin API speaks JSON only.
  app.removeContentTypeParser('text/plain');

  // A misspelled query parameter (`sate=inactive`) must be a 400, not a silently unfiltered list: every
  // querystring schema refuses names it does not define, as bodies already do.
  app.addHook('onRoute', (route) => {
    const querystring = route.schema?.querystring as
      { type?: string; additionalProperties?: unknown } | undefined;
    if (querystring?.type === 'object' && querystring.additionalProperties === undefined) {
      route.schema!.querystring = { ...querystring, additionalProperties: false };
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    void reply.header('cache-control', 'no-store');
    if (PUBLIC_PATHS.has(request.routeOptions.url ?? '')) return;
    const result = await authenticate(
      ctx.db.pool,
      bearerSecret(request.headers.authorization),
      'admin_key',
      ctx.now(),
      request.log,
    );
    if (!result.ok) {
      ctx.metrics.authFailures.inc({ surface: 'admin', reason: result.reason });
      void reply.header('www-authenticate', 'Bearer realm="roster-admin"');
      throw new AdminError(
        'unauthorized',
        'a valid admin key is required (Authorization: Bearer rst_admin_...)',
      );
    }
    request.principal = result.principal;
    const decision = ctx.rateLimiter.take(result.principal.credentialId);
    if (!decision.allowed) {
      ctx.metrics.rateLimited.inc({ surface: 'admin' });
      void reply.header('retry-after', String(decision.retryAfterSeconds));
      throw new AdminError('rate_limited', 'rate limit exceeded for this credential');
    }
  });

  // A credential or directory change is effective on this node before its caller hears back: the NOTIFY that
  // tells every node arrives asynchronously, so the node that made the change also forgets at once (the handler's
  // transaction has committed when onSend runs). Admin writes are rare; forgetting everything is cheap.
  app.addHook('onSend', async (request, _reply, payload) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') ctx.credentialCache.invalidate();
    return payload;
  });

  app.setErrorHandler((error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    const adminError = toAdminError(error);
    if (adminError.status >= 500) request.log.error({ err: error }, 'admin request failed');
    return reply.status(adminError.status).send(adminError.toBody(request.id));
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send(new AdminError('not_found', `no route ${request.method} ${request.url.split('?')[0]}`).toBody()),
  );

  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  await app.register(organizationRoutes, ctx);
  await app.register(directoryRoutes, ctx);
  await app.register(directoryReadRoutes, ctx);
  await app.register(attributeMappingRoutes, ctx);
  await app.register(providerRoutes, ctx);
  await app.register(directorySchemaRoutes, ctx);
  await app.register(eventRoutes, ctx);
  await app.register(tokenRoutes, ctx);
  await app.register(adminKeyRoutes, ctx);
  await app.register(auditRoutes, ctx);
  await app.register(webhookRoutes, ctx);
}

const FASTIFY_CODES: Record<string, AdminErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'validation_failed',
  FST_ERR_CTP_INVALID_JSON_BODY: 'validation_failed',
};

function toAdminError(error: FastifyError | Error): AdminError {
  if (error instanceof AdminError) return error;
  if (error instanceof Forbidden) return new AdminError('forbidden', error.message);
  if (error instanceof Rejected) return new AdminError(error.code, error.message);
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) return new AdminError('validation_failed', fastifyError.message);
  const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (mapped) return new AdminError(mapped, fastifyError.message);
  if (fastifyError.statusCode === 400) return new AdminError('validation_failed', 'malformed request');
  if (fastifyError.statusCode === 503)
    return new AdminError('service_unavailable', 'the server is shutting down');
  return new AdminError('internal_error', 'internal error; the request id identifies it in the server log');
}
