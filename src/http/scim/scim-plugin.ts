/**
 * The SCIM scope (`/scim/v2/{directoryId}`). Requests are authenticated with the directory's bearer token: a token
 * for another directory, an unknown directory, a malformed id, and an expired or revoked token all get the same
 * 401 (RFC 7644 §3.12), so the endpoint never reveals which directories exist. Scopes are enforced with 403.
 * Every response, errors included, is `application/scim+json`.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ScimError } from '../../scim/scim-error.js';
import { isUuid } from '../../shared/ids.js';
import { authenticate, bearerSecret } from '../../tenants/authenticate.js';
import type { ScimScope } from '../../tenants/principal.js';
import type { AppContext } from '../app-context.js';
import { bulkRoutes } from './bulk-routes.js';
import { discoveryRoutes } from './discovery-routes.js';
import { resourceRoutes } from './resource-routes.js';
import { schemaRoutes } from './schema-routes.js';
import { directoryScopeOf } from './scim-request.js';

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';
const DIRECTORY_IN_PATH = /^\/scim\/v2\/([^/?#]+)/;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The SCIM scope a route needs; by default GET needs `scim:read` and anything else `scim:write`. */
    scimScope?: ScimScope;
    /** The route answers 405 whatever the body: skip parsing it, so a malformed body cannot turn 405 into 400. */
    ignoreBody?: boolean;
    /** The error for a body over the route's own `bodyLimit` (Bulk's `maxPayloadSize`, RFC 7644 §3.7.4). */
    bodyTooLarge?: () => ScimError;
  }
}

export async function scimPlugin(app: FastifyInstance, ctx: AppContext): Promise<void> {
  // RFC 7644 §3.1: clients send application/scim+json; IdPs also send application/json. Both, with or without
  // a charset parameter, take the same hardened JSON parser.
  app.removeAllContentTypeParsers();
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser(
    ['application/scim+json', 'application/json'],
    { parseAs: 'string' },
    (request, body, done) => {
      // Okta sends DELETE (and some clients POST) with a JSON content type and no body: that is no body, not an error.
      if (
        request.routeOptions.config.ignoreBody ||
        (typeof body === 'string' ? body : body.toString()).trim() === ''
      ) {
        done(null, undefined);
        return;
      }
      void parseJson(request, typeof body === 'string' ? body : body.toString('utf8'), done);
    },
  );

  app.addHook('onRequest', async (request, reply) => {
    void reply.header('content-type', SCIM_CONTENT_TYPE);
    const directoryId = DIRECTORY_IN_PATH.exec(request.url)?.[1];
    const result = await authenticate(
      ctx.db.pool,
      bearerSecret(request.headers.authorization),
      'scim_token',
      ctx.now(),
      request.log,
      ctx.credentialCache,
    );
    if (
      !result.ok ||
      !directoryId ||
      !isUuid(directoryId) ||
      result.principal.directoryId !== directoryId.toLowerCase()
    ) {
      ctx.metrics.authFailures.inc({
        surface: 'scim',
        reason: result.ok ? 'wrong_directory' : result.reason,
      });
      void reply.header('www-authenticate', 'Bearer realm="roster-scim"');
      throw ScimError.unauthorized();
    }
    const principal = result.principal;
    request.principal = principal;
    const decision = ctx.rateLimiter.take(principal.credentialId);
    if (!decision.allowed) {
      ctx.metrics.rateLimited.inc({ surface: 'scim' });
      void reply.header('retry-after', String(decision.retryAfterSeconds));
      throw ScimError.tooManyRequests('rate limit exceeded for this token');
    }
    if (principal.directory?.state !== 'active') throw ScimError.forbidden('this directory is deactivated');
    const needed =
      request.routeOptions.config.scimScope ?? (isRead(request.method) ? 'scim:read' : 'scim:write');
    if (!principal.scopes.includes(needed)) throw ScimError.forbidden(`this token lacks the ${needed} scope`);
    request.directoryModel = await ctx.models.get(
      directoryScopeOf(request),
      principal.directory.modelVersion,
    );
  });

  app.setErrorHandler((error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    const scimError = toScimError(error, request);
    if (scimError.status >= 500) request.log.error({ err: error }, 'SCIM request failed');
    return reply.status(scimError.status).header('content-type', SCIM_CONTENT_TYPE).send(scimError.toBody());
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .header('content-type', SCIM_CONTENT_TYPE)
      .send(ScimError.notFound(`no SCIM endpoint ${request.method} ${request.url.split('?')[0]}`).toBody()),
  );

  await app.register(discoveryRoutes, ctx);
  await app.register(schemaRoutes, ctx);
  await app.register(resourceRoutes, ctx);
  await app.register(bulkRoutes, ctx);
}

const isRead = (method: string): boolean => method === 'GET' || method === 'HEAD';

function toScimError(error: FastifyError | Error, request: FastifyRequest): ScimError {
  if (error instanceof ScimError) return error;
  const fastifyError = error as FastifyError;
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return (
        request.routeOptions.config.bodyTooLarge?.() ??
        ScimError.payloadTooLarge('the request body is larger than this server accepts')
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return ScimError.unsupportedMediaType('send application/scim+json or application/json');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return ScimError.invalidSyntax('the request body is not valid JSON');
  }
  if (fastifyError.statusCode === 503) return ScimError.unavailable('the server is shutting down');
  if (fastifyError.statusCode !== undefined && fastifyError.statusCode < 500) {
    return ScimError.badRequest(fastifyError.message);
  }
  return ScimError.internal(`internal error (request ${request.id})`);
}
