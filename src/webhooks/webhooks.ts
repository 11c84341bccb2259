/**
 * Managing webhooks through the admin API: create (the signing secret is returned once), list, read, change,
 * delete, re-enable after failing, replay a directory from a sequence, rotate the secret with an overlap, and
 * read delivery attempts. Organization keys see their organization's webhooks only; platform-wide webhooks
 * (no organization) are for platform keys. Every change writes an audit entry in its transaction; audit details
 * carry the URL's host only, since URLs may embed a receiver's token.
 */
import { insertAuditEntry } from '../db/audit-store.js';
import { type Pool, queryOne, sql, transaction } from '../db/database.js';
import { selectDirectory, selectOrganization } from '../db/organization-store.js';
import * as deliveries from '../db/webhook-delivery-store.js';
import * as store from '../db/webhook-store.js';
import type { Webhook } from '../db/webhook-store.js';
import { type DirectoryId, type OrganizationId, type WebhookId, newWebhookId } from '../shared/ids.js';
import type { SecretBox } from '../shared/secret-box.js';
import { generateSecret } from '../shared/secrets.js';
import type { Page } from '../tenants/organizations.js';
import {
  Forbidden,
  type Principal,
  Rejected,
  auditActor,
  canSeeOrganization,
  isPlatform,
  requireScope,
} from '../tenants/principal.js';
import { checkWebhookUrl } from './address-policy.js';

export const WEBHOOK_SECRET_PREFIX = 'rst_whsec_';

export interface WebhookPolicy {
  readonly now: () => Date;
  readonly allowPrivate: boolean;
  readonly box: SecretBox;
}

export interface IssuedWebhook {
  readonly webhook: Webhook;
  /** The signing secret: shown once. */
  readonly secret: string;
}

const scopeOf = (actor: Principal) => actor.organizationId ?? undefined;
const hostOf = (url: string) => new URL(url).host;

async function checkedUrl(url: string, policy: WebhookPolicy): Promise<string> {
  const verdict = await checkWebhookUrl(url, policy.allowPrivate);
  if (!verdict.ok) throw new Rejected('url_refused', verdict.reason);
  return verdict.url.toString();
}

export async function createWebhook(
  pool: Pool,
  actor: Principal,
  input: {
    url: string;
    organizationId?: OrganizationId | undefined;
    eventTypes?: readonly string[] | undefined;
  },
  policy: WebhookPolicy,
): Promise<IssuedWebhook | undefined> {
  requireScope(actor, 'admin:write');
  const organizationId = input.organizationId ?? null;
  if (organizationId === null && !isPlatform(actor))
    throw new Forbidden('only platform admin keys create platform-wide webhooks; pass organizationId');
  if (organizationId !== null && !canSeeOrganization(actor, organizationId)) return undefined;
  const url = await checkedUrl(input.url, policy);
  const secret = generateSecret(WEBHOOK_SECRET_PREFIX);
  return transaction(pool, async (tx) => {
    if (organizationId !== null && !(await selectOrganization(tx, organizationId))) return undefined;
    const webhook = await store.insertWebhook(tx, {
      id: newWebhookId(),
      organizationId,
      url,
      eventTypes: [...new Set(input.eventTypes ?? [])],
      sealedSecret: policy.box.seal(secret),
      now: policy.now(),
    });
    await deliveries.insertStartingPositions(tx, webhook);
    await insertAuditEntry(tx, {
      organizationId,
      ...auditActor(actor),
      action: 'webhook.created',
      targetType: 'webhook',
      targetId: webhook.id,
      details: { host: hostOf(url), eventTypes: [...webhook.eventTypes] },
    });
    return { webhook, secret };
  });
}

export async function listWebhooks(
  pool: Pool,
  actor: Principal,
  organizationId: OrganizationId | undefined,
  page: Page,
): Promise<Webhook[] | undefined> {
  requireScope(actor, 'admin:read');
  if (organizationId && !canSeeOrganization(actor, organizationId)) return undefined;
  return store.selectWebhooks(pool, organizationId ?? scopeOf(actor), page);
}

export async function getWebhook(pool: Pool, actor: Principal, id: WebhookId): Promise<Webhook | undefined> {
  requireScope(actor, 'admin:read');
  return store.selectWebhook(pool, id, scopeOf(actor));
}

export async function changeWebhook(
  pool: Pool,
  actor: Principal,
  id: WebhookId,
  changes: {
    url?: string | undefined;
    eventTypes?: readonly string[] | undefined;
    state?: 'active' | 'disabled' | undefined;
  },
  policy: WebhookPolicy,
): Promise<Webhook | undefined> {
  requireScope(actor, 'admin:write');
  const url = changes.url === undefined ? undefined : await checkedUrl(changes.url, policy);
  return transaction(pool, async (tx) => {
    const current = await store.selectWebhook(tx, id, scopeOf(actor), true);
    if (!current) return undefined;
    const updated = await store.updateWebhook(tx, id, {
      url,
      eventTypes: changes.eventTypes && [...new Set(changes.eventTypes)],
      state: changes.state,
      now: policy.now(),
    });
    // Leaving `failing` (or `disabled`) starts afresh: pending retries are due now.
    if (changes.state === 'active' && current.state !== 'active') await deliveries.resetRetries(tx, id);
    const enabled = changes.state === 'active' && current.state !== 'active';
    await insertAuditEntry(tx, {
      organizationId: current.organizationId,
      ...auditActor(actor),
      action: enabled ? 'webhook.enabled' : 'webhook.updated',
      targetType: 'webhook',
      targetId: id,
      details: {
        ...(url ? { host: hostOf(url) } : {}),
        ...(changes.eventTypes ? { eventTypes: [...changes.eventTypes] } : {}),
        ...(changes.state ? { state: changes.state, previousState: current.state } : {}),
      },
    });
    return updated;
  });
}

export async function deleteWebhook(pool: Pool, actor: Principal, id: WebhookId): Promise<boolean> {
  requireScope(actor, 'admin:write');
  return transaction(pool, async (tx) => {
    const current = await store.selectWebhook(tx, id, scopeOf(actor), true);
    if (!current) return false;
    await store.deleteWebhook(tx, id);
    await insertAuditEntry(tx, {
      organizationId: current.organizationId,
      ...auditActor(actor),
      action: 'webhook.deleted',
      targetType: 'webhook',
      targetId: id,
    });
    return true;
  });
}

/**
 * Rewinds one directory's position so `fromSequence` is delivered next (and everything after it, again).
 * `undefined` when the webhook or the directory is unknown or outside the caller's (and the webhook's) reach.
 */
export async function replayWebhook(
  pool: Pool,
  actor: Principal,
  id: WebhookId,
  input: { directoryId: DirectoryId; fromSequence: number },
): Promise<deliveries.Position | undefined> {
  requireScope(actor, 'admin:write');
  return transaction(pool, async (tx) => {
    const webhook = await store.selectWebhook(tx, id, scopeOf(actor), true);
    if (!webhook) return undefined;
    const scope = webhook.organizationId ?? undefined;
    // A deleted directory's events outlive it, so its log is the fallback.
    const organizationId =
      (await selectDirectory(tx, input.directoryId, scope))?.organizationId ??
      (
        await queryOne<{ organization_id: OrganizationId }>(
          tx,
          sql`select organization_id from directory_event_batches where directory_id = ${input.directoryId}
              ${scope ? sql`and organization_id = ${scope}` : sql``} limit 1`,
        )
      )?.organization_id;
    if (!organizationId || !canSeeOrganization(actor, organizationId)) return undefined;
    const position = await deliveries.rewindPosition(
      tx,
      { organizationId, directoryId: input.directoryId, webhookId: id },
      input.fromSequence,
    );
    await insertAuditEntry(tx, {
      organizationId: webhook.organizationId,
      ...auditActor(actor),
      action: 'webhook.replayed',
      targetType: 'webhook',
      targetId: id,
      details: { directoryId: input.directoryId, fromSequence: input.fromSequence },
    });
    return position;
  });
}

/** A new secret; the old one keeps signing (alongside) for `overlapSeconds`. */
export async function rotateWebhookSecret(
  pool: Pool,
  actor: Principal,
  id: WebhookId,
  input: { overlapSeconds: number },
  policy: WebhookPolicy,
): Promise<IssuedWebhook | undefined> {
  requireScope(actor, 'admin:write');
  const secret = generateSecret(WEBHOOK_SECRET_PREFIX);
  return transaction(pool, async (tx) => {
    const current = await store.selectWebhook(tx, id, scopeOf(actor), true);
    if (!current) return undefined;
    const now = policy.now();
    const overlap = input.overlapSeconds > 0;
    const webhook = await store.updateWebhookSecret(tx, id, {
      sealedSecret: policy.box.seal(secret),
      // Re-sealed, so a key configured since creation applies to the old secret too.
      sealedPreviousSecret: overlap ? policy.box.seal(policy.box.open(current.sealedSecret)) : null,
      previousExpiresAt: overlap ? new Date(now.getTime() + input.overlapSeconds * 1000) : null,
      now,
    });
    await insertAuditEntry(tx, {
      organizationId: current.organizationId,
      ...auditActor(actor),
      action: 'webhook.secret_rotated',
      targetType: 'webhook',
      targetId: id,
      details: { overlapSeconds: input.overlapSeconds },
    });
    return { webhook, secret };
  });
}

export async function listDeliveryAttempts(
  pool: Pool,
  actor: Principal,
  id: WebhookId,
  page: { before: number | undefined; limit: number; directoryId?: DirectoryId | undefined },
): Promise<deliveries.StoredDeliveryAttempt[] | undefined> {
  requireScope(actor, 'admin:read');
  const webhook = await store.selectWebhook(pool, id, scopeOf(actor));
  if (!webhook) return undefined;
  return deliveries.selectDeliveryAttempts(pool, id, page);
}

export async function listPositions(
  pool: Pool,
  actor: Principal,
  id: WebhookId,
): Promise<deliveries.Position[] | undefined> {
  requireScope(actor, 'admin:read');
  const webhook = await store.selectWebhook(pool, id, scopeOf(actor));
  if (!webhook) return undefined;
  return deliveries.selectPositions(pool, id);
}

/** The secrets a delivery is signed with now: the current one, then the previous one during its overlap. */
export function signingSecrets(webhook: Webhook, box: SecretBox, now: Date): string[] {
  const secrets = [box.open(webhook.sealedSecret)];
  if (
    webhook.sealedPreviousSecret &&
    webhook.previousSecretExpiresAt &&
    webhook.previousSecretExpiresAt > now
  )
    secrets.push(box.open(webhook.sealedPreviousSecret));
  return secrets;
}
