/**
 * `/providers`: the provider profiles (what Roster tolerates from each identity provider), and
 * `/directories/{directoryId}/tolerance`: what one directory's identity provider actually sent that needed it.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { selectToleranceCounts } from '../../db/tolerance-store.js';
import { NORMALIZATIONS } from '../../scim/normalizations.js';
import type { DirectoryId } from '../../shared/ids.js';
import * as tenants from '../../tenants/organizations.js';
import { requireScope } from '../../tenants/principal.js';
import { PROVIDER_PROFILES, type ProviderProfile } from '../../tenants/provider-profiles.js';
import type { AppContext } from '../app-context.js';
import { principalOf } from '../request-context.js';
import { AdminError } from './admin-error.js';
import { DateTime, DirectoryIdParams, errorResponses } from './admin-schemas.js';

const Normalization = Type.Object({
  name: Type.String(),
  safe: Type.Boolean({ description: 'Never changes what an RFC-conforming request means' }),
  quirk: Type.String({ description: 'Where IDP-QUIRKS.md documents it' }),
  description: Type.String(),
});
const Profile = Type.Object({
  provider: Type.String(),
  name: Type.String(),
  normalizations: Type.Array(Normalization),
  unknownAttributes: Type.Union([Type.Literal('lenient'), Type.Literal('strict')]),
  patchResponse: Type.Union([Type.Literal(200), Type.Literal(204)]),
  notes: Type.String(),
});
const Counter = Type.Object({
  name: Type.String(),
  count: Type.Integer(),
  firstSeen: DateTime,
  lastSeen: DateTime,
});
const Tolerance = Type.Object({
  directoryId: Type.String(),
  provider: Type.String(),
  normalizations: Type.Array(Counter, { description: 'Normalizations applied to requests, by name' }),
  ignoredInputs: Type.Array(Counter, {
    description: 'Attributes Roster did not understand, by path (never values)',
  }),
});

const profileView = (p: ProviderProfile) => ({
  provider: p.provider,
  name: p.name,
  normalizations: p.normalizations.map((name) => ({ name, ...NORMALIZATIONS[name] })),
  unknownAttributes: p.unknownAttributes,
  patchResponse: p.patchResponse,
  notes: p.notes,
});

export const providerRoutes: FastifyPluginAsyncTypebox<AppContext> = async (app, ctx) => {
  const tags = ['providers'];

  app.get(
    '/providers',
    { schema: { tags, response: { 200: Type.Object({ data: Type.Array(Profile) }), ...errorResponses } } },
    async (request) => {
      requireScope(principalOf(request), 'admin:read');
      return { data: PROVIDER_PROFILES.map(profileView) };
    },
  );

  app.get(
    '/providers/:provider',
    {
      schema: {
        tags,
        params: Type.Object({ provider: Type.String({ maxLength: 100 }) }),
        response: { 200: Profile, ...errorResponses },
      },
    },
    async (request) => {
      requireScope(principalOf(request), 'admin:read');
      const found = PROVIDER_PROFILES.find((p) => p.provider === request.params.provider);
      if (!found) throw AdminError.notFound('provider');
      return profileView(found);
    },
  );

  app.get(
    '/directories/:directoryId/tolerance',
    {
      schema: {
        tags: ['directories'],
        params: DirectoryIdParams,
        response: { 200: Tolerance, ...errorResponses },
      },
    },
    async (request) => {
      const actor = principalOf(request);
      requireScope(actor, 'admin:read');
      const directory = await tenants.getDirectory(
        ctx.db.pool,
        actor,
        request.params.directoryId as DirectoryId,
      );
      if (!directory) throw AdminError.notFound('directory');
      // This node's counts since its last flush are included; other nodes' arrive within their flush interval.
      await ctx.tolerance.flush(ctx.db.pool);
      const counts = await selectToleranceCounts(ctx.db.pool, {
        organizationId: directory.organizationId,
        directoryId: directory.id,
      });
      const view = (kind: 'normalization' | 'ignored') =>
        counts
          .filter((c) => c.kind === kind)
          .map((c) => ({
            name: c.name,
            count: c.count,
            firstSeen: c.firstSeen.toISOString(),
            lastSeen: c.lastSeen.toISOString(),
          }));
      return {
        directoryId: directory.id,
        provider: directory.provider,
        normalizations: view('normalization'),
        ignoredInputs: view('ignored'),
      };
    },
  );
};
