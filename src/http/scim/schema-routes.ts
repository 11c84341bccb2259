/** RFC 7644 §4: `/ResourceTypes` and `/Schemas`, each also by id. Read-only: other methods answer 405. */
import type { FastifyInstance } from 'fastify';
import {
  RESOURCE_TYPES,
  SCHEMA_DEFINITIONS,
  toResourceTypeResource,
  toSchemaResource,
} from '../../scim/core-schemas.js';
import { toListResponse } from '../../scim/list-response.js';
import { ScimError } from '../../scim/scim-error.js';
import type { AppContext } from '../app-context.js';
import { principalOf } from '../request-context.js';

export async function schemaRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const base = (directoryId: string | null): string => `${ctx.publicUrl()}/scim/v2/${directoryId}`;

  app.get('/:directoryId/ResourceTypes', (request) => {
    const url = base(principalOf(request).directoryId);
    const resources = RESOURCE_TYPES.map((t) => toResourceTypeResource(t, url));
    return toListResponse({ resources, totalResults: resources.length, startIndex: 1 });
  });
  app.get<{ Params: { id: string } }>('/:directoryId/ResourceTypes/:id', (request) => {
    const type = RESOURCE_TYPES.find((t) => t.id === request.params.id);
    if (!type) throw ScimError.notFound(`no resource type ${request.params.id}`);
    return toResourceTypeResource(type, base(principalOf(request).directoryId));
  });
  app.get('/:directoryId/Schemas', (request) => {
    const url = base(principalOf(request).directoryId);
    const resources = SCHEMA_DEFINITIONS.map((s) => toSchemaResource(s, url));
    return toListResponse({ resources, totalResults: resources.length, startIndex: 1 });
  });
  app.get<{ Params: { id: string } }>('/:directoryId/Schemas/:id', (request) => {
    const schema = SCHEMA_DEFINITIONS.find((s) => s.id === request.params.id);
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
