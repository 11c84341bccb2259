/**
 * `/directories/{directoryId}/schemas`: the directory's own schema extensions (RFC 7643 §7 documents). What is
 * added here appears in that directory's SCIM `/Schemas` and `/ResourceTypes` and nowhere else, and its
 * attributes validate, filter, sort, patch and project like core ones.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type TSchema, Type } from '@sinclair/typebox';
import * as schemas from '../../directory/schema-admin.js';
import type { StoredSchema } from '../../db/schema-store.js';
import { toAttributeJson } from '../../scim/core-schemas.js';
import type { SchemaDocument } from '../../scim/custom-schemas.js';
import type { DirectoryId } from '../../shared/ids.js';
import type { AppContext } from '../app-context.js';
import { principalOf } from '../request-context.js';
import { AdminError } from './admin-error.js';
import { DateTime, Uuid, errorResponses, noContentResponses } from './admin-schemas.js';

const Name = Type.String({ minLength: 1, maxLength: 64 });
const leaf = {
  name: Name,
  type: Type.Optional(
    Type.Union(
      ['string', 'boolean', 'decimal', 'integer', 'dateTime', 'reference', 'binary', 'complex'].map((t) =>
        Type.Literal(t),
      ),
    ),
  ),
  multiValued: Type.Optional(Type.Boolean()),
  description: Type.Optional(Type.String({ maxLength: 1000 })),
  required: Type.Optional(Type.Boolean()),
  caseExact: Type.Optional(Type.Boolean()),
  mutability: Type.Optional(
    Type.Union(['readOnly', 'readWrite', 'immutable', 'writeOnly'].map((t) => Type.Literal(t))),
  ),
  returned: Type.Optional(Type.Union(['always', 'never', 'default', 'request'].map((t) => Type.Literal(t)))),
  uniqueness: Type.Optional(Type.Union(['none', 'server', 'global'].map((t) => Type.Literal(t)))),
  canonicalValues: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 100 })),
  referenceTypes: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 20 })),
};
const SubAttribute = Type.Object(leaf, { additionalProperties: false });
const Attribute = Type.Object(
  { ...leaf, subAttributes: Type.Optional(Type.Array(SubAttribute, { maxItems: 50 })) },
  { additionalProperties: false },
);
const ResourceType = Type.Union([Type.Literal('User'), Type.Literal('Group')]);
const SchemaBody = Type.Object(
  {
    // RFC 7643 §7 puts the Schema resource's own URN in `schemas`; accepted and ignored.
    schemas: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 5 })),
    id: Type.String({ minLength: 5, maxLength: 200 }),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    resourceType: Type.Optional({
      ...ResourceType,
      description: 'The resource type it extends; default User',
    }),
    required: Type.Optional(
      Type.Boolean({
        description: 'Every resource of the type must carry it (ResourceType.schemaExtensions)',
      }),
    ),
    indexed: Type.Optional(
      Type.Array(Type.String({ maxLength: 130 }), {
        maxItems: 10,
        description: 'Attributes (or complex.sub) resources are looked up or sorted by: each gets an index',
      }),
    ),
    attributes: Type.Array(Attribute, { minItems: 1, maxItems: 100 }),
    meta: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);
const SchemaView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  resourceType: ResourceType,
  required: Type.Boolean(),
  indexed: Type.Array(Type.String()),
  attributes: Type.Array(Type.Unknown() as TSchema),
  version: Type.Integer(),
  createdAt: DateTime,
  updatedAt: DateTime,
});
const Params = Type.Object({ directoryId: Uuid });
const UrnParams = Type.Object({ directoryId: Uuid, urn: Type.String({ minLength: 1, maxLength: 200 }) });

const view = (s: StoredSchema) => ({
  id: s.schema.definition.id,
  name: s.schema.definition.name,
  description: s.schema.definition.description,
  resourceType: s.schema.resourceType,
  required: s.schema.required,
  indexed: [...s.schema.indexed],
  attributes: s.schema.definition.attributes.map(toAttributeJson),
  version: s.version,
  createdAt: s.createdAt.toISOString(),
  updatedAt: s.updatedAt.toISOString(),
});

const documentOf = (body: typeof SchemaBody.static): SchemaDocument =>
  ({ ...body, resourceType: body.resourceType ?? 'User' }) as SchemaDocument;

export const directorySchemaRoutes: FastifyPluginAsyncTypebox<AppContext> = async (app, ctx) => {
  const { pool } = ctx.db;
  const tags = ['schemas'];
  const directoryId = (params: { directoryId: string }) => params.directoryId as DirectoryId;

  app.get(
    '/directories/:directoryId/schemas',
    {
      schema: {
        tags,
        params: Params,
        response: { 200: Type.Object({ data: Type.Array(SchemaView) }), ...errorResponses },
      },
    },
    async (request) => {
      const found = await schemas.listSchemas(pool, principalOf(request), directoryId(request.params));
      if (!found) throw AdminError.notFound('directory');
      return { data: found.map(view) };
    },
  );
  app.post(
    '/directories/:directoryId/schemas',
    { schema: { tags, params: Params, body: SchemaBody, response: { 201: SchemaView, ...errorResponses } } },
    async (request, reply) => {
      const stored = await schemas.addSchema(
        pool,
        principalOf(request),
        directoryId(request.params),
        documentOf(request.body),
      );
      if (!stored) throw AdminError.notFound('directory');
      return reply.status(201).send(view(stored));
    },
  );
  app.get(
    '/directories/:directoryId/schemas/:urn',
    { schema: { tags, params: UrnParams, response: { 200: SchemaView, ...errorResponses } } },
    async (request) => {
      const stored = await schemas.getSchema(
        pool,
        principalOf(request),
        directoryId(request.params),
        request.params.urn,
      );
      if (!stored) throw AdminError.notFound('schema');
      return view(stored);
    },
  );
  app.put(
    '/directories/:directoryId/schemas/:urn',
    {
      schema: { tags, params: UrnParams, body: SchemaBody, response: { 200: SchemaView, ...errorResponses } },
    },
    async (request) => {
      const stored = await schemas.replaceSchema(
        pool,
        principalOf(request),
        directoryId(request.params),
        request.params.urn,
        documentOf(request.body),
      );
      if (!stored) throw AdminError.notFound('schema');
      return view(stored);
    },
  );
  app.delete(
    '/directories/:directoryId/schemas/:urn',
    {
      schema: {
        tags,
        params: UrnParams,
        querystring: Type.Object(
          { force: Type.Optional(Type.Boolean({ description: 'Also remove the values resources carry' })) },
          { additionalProperties: false },
        ),
        response: noContentResponses,
      },
    },
    async (request, reply) => {
      const removed = await schemas.removeSchema(
        pool,
        principalOf(request),
        directoryId(request.params),
        request.params.urn,
        request.query.force ?? false,
      );
      if (!removed) throw AdminError.notFound('schema');
      return reply.status(204).send(null);
    },
  );
};
