/** TypeBox schemas of `/webhooks`. */
import { Type } from '@sinclair/typebox';
import { EVENT_TYPES } from '../../events/directory-events.js';
import { DateTime, Uuid } from './admin-schemas.js';

const Url = Type.String({
  minLength: 1,
  maxLength: 2000,
  description: 'http or https; public addresses only',
});
const EventTypes = Type.Array(Type.Union(EVENT_TYPES.map((t) => Type.Literal(t))), {
  uniqueItems: true,
  maxItems: EVENT_TYPES.length,
  description: 'Event types to deliver; empty or absent: every type',
});

export const Webhook = Type.Object({
  id: Uuid,
  organizationId: Type.Union([Uuid, Type.Null()], { description: 'null: platform-wide' }),
  url: Type.String(),
  eventTypes: Type.Array(Type.String()),
  state: Type.Union([Type.Literal('active'), Type.Literal('failing'), Type.Literal('disabled')]),
  failingSince: Type.Union([DateTime, Type.Null()]),
  previousSecretExpiresAt: Type.Union([DateTime, Type.Null()], {
    description: 'Until then deliveries are signed with the previous secret too',
  }),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const IssuedWebhook = Type.Composite([
  Webhook,
  Type.Object({ secret: Type.String({ description: 'The signing secret; shown only in this response' }) }),
]);

export const WebhookParams = Type.Object({ webhookId: Uuid });

export const CreateWebhookBody = Type.Object(
  { url: Url, organizationId: Type.Optional(Uuid), eventTypes: Type.Optional(EventTypes) },
  { additionalProperties: false },
);

export const UpdateWebhookBody = Type.Object(
  {
    url: Type.Optional(Url),
    eventTypes: Type.Optional(EventTypes),
    state: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')])),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const WebhookListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  organizationId: Type.Optional(Uuid),
});

export const ReplayBody = Type.Object(
  { directoryId: Uuid, fromSequence: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) },
  { additionalProperties: false },
);

export const RotateSecretBody = Type.Object(
  {
    overlapSeconds: Type.Integer({
      minimum: 0,
      maximum: 30 * 86_400,
      default: 86_400,
      description: 'How long deliveries are also signed with the old secret; 0 drops it at once',
    }),
  },
  { additionalProperties: false },
);

export const Position = Type.Object({
  directoryId: Uuid,
  deliveredSequence: Type.Integer({ description: 'The last sequence delivered or skipped by the filter' }),
  attempts: Type.Integer({ description: 'Failed attempts of the next event' }),
  firstFailedAt: Type.Union([DateTime, Type.Null()]),
  nextAttemptAt: Type.Union([DateTime, Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
});

export const DeliveryAttempt = Type.Object({
  id: Type.Integer(),
  directoryId: Uuid,
  eventId: Uuid,
  sequence: Type.Integer(),
  eventType: Type.String(),
  attempt: Type.Integer({ description: '1 for the first try of this event' }),
  attemptedAt: DateTime,
  statusCode: Type.Union([Type.Integer(), Type.Null()], { description: 'null: no response' }),
  latencyMs: Type.Integer(),
  error: Type.Union([Type.String(), Type.Null()]),
});

export const DeliveryListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  directoryId: Type.Optional(Uuid),
});
