/** `/webhooks`: signed event delivery endpoints (README "Webhooks"). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Position as StoredPosition, StoredDeliveryAttempt } from '../../db/webhook-delivery-store.js';
import type { Webhook as StoredWebhook } from '../../db/webhook-store.js';
import type { DirectoryId, OrganizationId, WebhookId } from '../../shared/ids.js';
import * as webhooks from '../../webhooks/webhooks.js';
import type { AppContext } from '../app-context.js';
import { principalOf } from '../request-context.js';
import { AdminError } from './admin-error.js';
import { errorResponses, listOf, noContentResponses } from './admin-schemas.js';
import { fromCursor, toPage } from './admin-views.js';
import {
  CreateWebhookBody,
  DeliveryAttempt,
  DeliveryListQuery,
  IssuedWebhook,
  Position,
  ReplayBody,
  RotateSecretBody,
  UpdateWebhookBody,
  Webhook,
  WebhookListQuery,
  WebhookParams,
} from './webhook-schemas.js';

const iso = (d: Date | null): string | null => d?.toISOString() ?? null;

export const webhookView = (w: StoredWebhook) => ({
  id: w.id,
  organizationId: w.organizationId,
  url: w.url,
  eventTypes: [...w.eventTypes],
  state: w.state,
  failingSince: iso(w.failingSince),
  previousSecretExpiresAt: iso(w.previousSecretExpiresAt),
  createdAt: w.createdAt.toISOString(),
  updatedAt: w.updatedAt.toISOString(),
});

const positionView = (p: StoredPosition) => ({
  directoryId: p.directoryId,
  deliveredSequence: p.deliveredSequence,
  attempts: p.attempts,
  firstFailedAt: iso(p.firstFailedAt),
  nextAttemptAt: iso(p.nextAttemptAt),
  lastError: p.lastError,
});

const attemptView = (a: StoredDeliveryAttempt) => ({
  id: a.id,
  directoryId: a.directoryId,
  eventId: a.eventId,
  sequence: a.sequence,
  eventType: a.eventType,
  attempt: a.attempt,
  attemptedAt: a.attemptedAt.toISOString(),
  statusCode: a.statusCode,
  latencyMs: a.latencyMs,
  error: a.error,
});

export const webhookRoutes: FastifyPluginAsyncTypebox<AppContext> = async (app, ctx) => {
  const { pool } = ctx.db;
  const tags = ['webhooks'];
  const policy = { now: ctx.now, allowPrivate: ctx.config.allowPrivateWebhooks, box: ctx.secretBox };
  const id = (params: { webhookId: string }) => params.webhookId as WebhookId;

  app.post(
    '/webhooks',
    { schema: { tags, body: CreateWebhookBody, response: { 201: IssuedWebhook, ...errorResponses } } },
    async (request, reply) => {
      const { url, organizationId, eventTypes } = request.body;
      const issued = await webhooks.createWebhook(
        pool,
        principalOf(request),
        { url, organizationId: organizationId as OrganizationId | undefined, eventTypes },
        policy,
      );
      if (!issued) throw AdminError.notFound('organization');
      return reply.status(201).send({ ...webhookView(issued.webhook), secret: issued.secret });
    },
  );

  app.get(
    '/webhooks',
    {
      schema: { tags, querystring: WebhookListQuery, response: { 200: listOf(Webhook), ...errorResponses } },
    },
    async (request) => {
      const { limit, cursor, organizationId } = request.query;
      const rows = await webhooks.listWebhooks(
        pool,
        principalOf(request),
        organizationId as OrganizationId | undefined,
        { after: fromCursor(cursor), limit: limit + 1 },
      );
      if (!rows) throw AdminError.notFound('organization');
      return toPage(rows, limit, (w) => w.id, webhookView);
    },
  );

  app.get(
    '/webhooks/:webhookId',
    { schema: { tags, params: WebhookParams, response: { 200: Webhook, ...errorResponses } } },
    async (request) => {
      const webhook = await webhooks.getWebhook(pool, principalOf(request), id(request.params));
      if (!webhook) throw AdminError.notFound('webhook');
      return webhookView(webhook);
    },
  );

  app.patch(
    '/webhooks/:webhookId',
    {
      schema: {
        tags,
        params: WebhookParams,
        body: UpdateWebhookBody,
        response: { 200: Webhook, ...errorResponses },
      },
    },
    async (request) => {
      const webhook = await webhooks.changeWebhook(
        pool,
        principalOf(request),
        id(request.params),
        request.body,
        policy,
      );
      if (!webhook) throw AdminError.notFound('webhook');
      return webhookView(webhook);
    },
  );

  app.delete(
    '/webhooks/:webhookId',
    { schema: { tags, params: WebhookParams, response: noContentResponses } },
    async (request, reply) => {
      if (!(await webhooks.deleteWebhook(pool, principalOf(request), id(request.params))))
        throw AdminError.notFound('webhook');
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/webhooks/:webhookId/enable',
    { schema: { tags, params: WebhookParams, response: { 200: Webhook, ...errorResponses } } },
    async (request) => {
      const webhook = await webhooks.changeWebhook(
        pool,
        principalOf(request),
        id(request.params),
        { state: 'active' },
        policy,
      );
      if (!webhook) throw AdminError.notFound('webhook');
      return webhookView(webhook);
    },
  );

  app.post(
    '/webhooks/:webhookId/replay',
    {
      schema: {
        tags,
        params: WebhookParams,
        body: ReplayBody,
        response: { 200: Position, ...errorResponses },
      },
    },
    async (request) => {
      const position = await webhooks.replayWebhook(pool, principalOf(request), id(request.params), {
        directoryId: request.body.directoryId as DirectoryId,
        fromSequence: request.body.fromSequence,
      });
      if (!position) throw AdminError.notFound('webhook or directory');
      return positionView(position);
    },
  );

  app.post(
    '/webhooks/:webhookId/rotate-secret',
    {
      schema: {
        tags,
        params: WebhookParams,
        body: RotateSecretBody,
        response: { 200: IssuedWebhook, ...errorResponses },
      },
    },
    async (request) => {
      const issued = await webhooks.rotateWebhookSecret(
        pool,
        principalOf(request),
        id(request.params),
        request.body ?? { overlapSeconds: 86_400 },
        policy,
      );
      if (!issued) throw AdminError.notFound('webhook');
      return { ...webhookView(issued.webhook), secret: issued.secret };
    },
  );

  app.get(
    '/webhooks/:webhookId/positions',
    {
      schema: {
        tags,
        params: WebhookParams,
        response: { 200: Type.Object({ data: Type.Array(Position) }), ...errorResponses },
      },
    },
    async (request) => {
      const positions = await webhooks.listPositions(pool, principalOf(request), id(request.params));
      if (!positions) throw AdminError.notFound('webhook');
      return { data: positions.map(positionView) };
    },
  );

  app.get(
    '/webhooks/:webhookId/deliveries',
    {
      schema: {
        tags,
        params: WebhookParams,
        querystring: DeliveryListQuery,
        response: { 200: listOf(DeliveryAttempt), ...errorResponses },
      },
    },
    async (request) => {
      const { limit, cursor, directoryId } = request.query;
      const before = fromCursor(cursor, 'integer');
      const rows = await webhooks.listDeliveryAttempts(pool, principalOf(request), id(request.params), {
        before: before === undefined ? undefined : Number(before),
        limit: limit + 1,
        directoryId: directoryId as DirectoryId | undefined,
      });
      if (!rows) throw AdminError.notFound('webhook');
      return toPage(rows, limit, (a) => String(a.id), attemptView);
    },
  );
};
