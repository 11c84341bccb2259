/**
 * RFC 7644 §4: `/ResourceTypes` and `/Schemas`, each also by id, as this directory has them: its own schema
 * extensions appear here and in no other directory. Read-only: other methods answer 405.
 */
import type { FastifyInstance } from 'fastify';
import { toResourceTypeResource, toSchemaResource } from '../../scim/core-schemas.js';
import { toListResponse } from '../../scim/list-response.js';
import { ScimError } from '../../scim/scim-error.js';
import type { AppContext } from '../app-context.js';
import { directoryModelOf, principalOf } from '../request-context.js';

export async function schemaRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const base = (directoryId: string | null): string => `${ctx.publicUrl()}/scim/v2/${directoryId}`;

  app.get('/:directoryId/ResourceTypes', (request) => {
    const url = base(principalOf(request).directoryId);
    const resources = directoryModelOf(request).schemas.resourceTypes.map((t) =>
      toResourceTypeResource(t, url),
    );
    return toListResponse({ resources, totalResults: resources.length, startIndex: 1 });
  });
  app.get<{ Params: { id: string } }>('/:directoryId/ResourceTypes/:id', (request) => {
    const wanted = request.params.id.toLowerCase();
    const type = directoryModelOf(request).schemas.resourceTypes.find((t) => t.id.toLowerCase() === wanted);
    if (!type) throw ScimError.notFound(`no resource type ${request.params.id}`);
    return toResourceTypeResource(type, base(principalOf(request).directoryId));
  });
  app.get('/:directoryId/Schemas', (request) => {
    const url = base(principalOf(request).directoryId);
    const resources = directoryModelOf(request).schemas.definitions.map((s) => toSchemaResource(s, url));
    return toListResponse({ resources, totalResults: resources.length, startIndex: 1 });
  });
  app.get<{ Params: { id: string } }>('/:directoryId/Schemas/:id', (request) => {
    const wanted = request.params.id.toLowerCase();
    const schema = directoryModelOf(request).schemas.definitions.find((s) => s.id.toLowerCase() === wanted);
    if (!schema) throw ScimError.notFound(`no schema ${request.params.id}`);
    return toSchemaResource(schema, base(principalOf(request).directoryId));
  });

  // RFC 7644 §4: "an HTTP 405 if the client attempts" to change discovery resources.
  const readOnly = (): never => {
    throw ScimError.methodNotAllowed('discovery resources are read-only');
  };
  for (const url of [
    '/:directoryId/ServiceProviderConfig',
    '/:directoryId/ResourceTypes',
    '/:directoryId/ResourceTypes/:id',
    '/:directoryId/Schemas',
    '/:directoryId/Schemas/:id',
  ]) {
    app.route({
      method: ['POST', 'PUT', 'PATCH', 'DELETE'],
      url,
      config: { scimScope: 'scim:read', ignoreBody: true },
      handler: readOnly,
    });
  }
}
