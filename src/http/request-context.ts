/** Request state shared by the HTTP scopes: the authenticated principal, set by each scope's auth hook. */
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../tenants/principal.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route reached without an authenticated principal');
  return request.principal;
}
