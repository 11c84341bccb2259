/** `/events`: the ordered, replayable event log (ARCHITECTURE.md "Event envelope"). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { EVENT_TYPES } from '../../events/directory-events.js';
import { eventView, readEvents } from '../../events/event-stream.js';
import type { DirectoryId, OrganizationId } from '../../shared/ids.js';
import type { AppContext } from '../app-context.js';
import { principalOf } from '../request-context.js';
import { AdminError } from './admin-error.js';
import { DateTime, errorResponses, Uuid } from './admin-schemas.js';

const EventsQuery = Type.Object({
  organizationId: Type.Optional(Uuid),
  directoryId: Type.Optional(Uuid),
  after: Type.Optional(
    Type.String({
      maxLength: 200,
      description: 'A nextCursor from an earlier page; with directoryId, also an event sequence number',
    }),
  ),
  types: Type.Optional(
    Type.String({
      maxLength: 1000,
      description: 'Comma-separated event types, e.g. user.created,user.deleted',
    }),
  ),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
});

const Event = Type.Object({
  id: Uuid,
  sequence: Type.Integer({ description: 'Strictly increasing and gap-free per directory' }),
  type: Type.String(),
  occurredAt: DateTime,
  organizationId: Uuid,
  directoryId: Uuid,
  data: Type.Record(Type.String(), Type.Unknown()),
  previous: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

const KNOWN_TYPES = new Set<string>(EVENT_TYPES);

export const eventRoutes: FastifyPluginAsyncTypebox<AppContext> = async (app, ctx) => {
  app.get(
    '/events',
    {
      schema: {
        tags: ['events'],
        querystring: EventsQuery,
        response: {
          200: Type.Object({
            data: Type.Array(Event),
            nextCursor: Type.Optional(
              Type.String({
                description: 'Pass as `after` to continue; present even when the page is empty',
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const types = q.types
        ?.split(',')
        .map((t) => t.trim())
        .filter((t) => t.length > 0);
      const unknown = types?.find((t) => !KNOWN_TYPES.has(t));
      if (unknown) throw new AdminError('validation_failed', `unknown event type "${unknown}"`);
      const page = await readEvents(ctx.db.pool, principalOf(request), {
        organizationId: q.organizationId as OrganizationId | undefined,
        directoryId: q.directoryId as DirectoryId | undefined,
        after: q.after,
        types,
        limit: q.limit,
      });
      if (!page.found) {
        if (page.what === 'cursor') {
          throw new AdminError('validation_failed', 'after is not a cursor this API issued');
        }
        throw AdminError.notFound(page.what);
      }
      return {
        data: page.events.map(eventView),
        ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}),
      };
    },
  );
};
