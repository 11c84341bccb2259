/** Request state shared by the HTTP scopes: the authenticated principal, set by each scope's auth hook. */
import type { FastifyRequest } from 'fastify';
import type { DirectoryModel } from '../directory/directory-model.js';
import type { Principal } from '../tenants/principal.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** SCIM requests: the model of the directory the request runs in. */
    directoryModel: DirectoryModel | null;
  }
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route reached without an authenticated principal');
  return request.principal;
}

export function directoryModelOf(request: FastifyRequest): DirectoryModel {
  if (!request.directoryModel) throw new Error('SCIM route reached without its directory model');
  return request.directoryModel;
}
