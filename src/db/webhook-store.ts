/**
 * Webhook endpoints (migration 0006). Scoped reads take the caller's organization: an organization key never
 * finds another organization's webhook, nor a platform-wide one. Secrets are stored sealed (`SecretBox`).
 */
import type { OrganizationId, WebhookId } from '../shared/ids.js';
import { type Executor, empty, query, queryOne, sql } from './database.js';

export type WebhookState = 'active' | 'failing' | 'disabled';

export interface Webhook {
  readonly id: WebhookId;
  /** `null`: platform-wide, receives every organization's events. */
  readonly organizationId: OrganizationId | null;
  readonly url: string;
  /** Empty: every event type. */
  readonly eventTypes: readonly string[];
  readonly state: WebhookState;
  readonly sealedSecret: string;
  readonly sealedPreviousSecret: string | null;
  readonly previousSecretExpiresAt: Date | null;
  readonly failingSince: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

interface WebhookRow {
  id: string;
  organization_id: string | null;
  url: string;
  event_types: string[];
  state: WebhookState;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  failing_since: Date | null;
  created_at: Date;
  updated_at: Date;
}

export const toWebhook = (r: WebhookRow): Webhook => ({
  id: r.id as WebhookId,
  organizationId: r.organization_id as OrganizationId | null,
  url: r.url,
  eventTypes: r.event_types,
  state: r.state,
  sealedSecret: r.secret,
  sealedPreviousSecret: r.previous_secret,
  previousSecretExpiresAt: r.previous_secret_expires_at,
  failingSince: r.failing_since,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Who may see a webhook: `undefined` for platform keys (all), else one organization. */
export type WebhookScope = OrganizationId | undefined;

const scoped = (scope: WebhookScope) => (scope ? sql`and organization_id = ${scope}` : empty);

export async function insertWebhook(
  db: Executor,
  w: {
    id: WebhookId;
    organizationId: OrganizationId | null;
    url: string;
    eventTypes: readonly string[];
    sealedSecret: string;
    now: Date;
  },
): Promise<Webhook> {
  const row = await queryOne<WebhookRow>(
    db,
    sql`insert into webhooks (organization_id, id, url, event_types, secret, created_at, updated_at)
        values (${w.organizationId}, ${w.id}, ${w.url}, ${[...w.eventTypes]}::text[], ${w.sealedSecret},
                ${w.now}, ${w.now})
        returning *`,
  );
  return toWebhook(row!);
}

export async function selectWebhook(
  db: Executor,
  id: WebhookId,
  scope: WebhookScope,
  lock = false,
): Promise<Webhook | undefined> {
  const row = await queryOne<WebhookRow>(
    db,
    sql`select * from webhooks where id = ${id} ${scoped(scope)} ${lock ? sql`for update` : empty}`,
  );
  return row && toWebhook(row);
}

/** `organizationId` undefined: every webhook (platform keys); `null`: the platform-wide ones. */
export async function selectWebhooks(
  db: Executor,
  organizationId: OrganizationId | null | undefined,
  page: { after: string | undefined; limit: number },
): Promise<Webhook[]> {
  const filter =
    organizationId === undefined
      ? empty
      : organizationId === null
        ? sql`and organization_id is null`
        : sql`and organization_id = ${organizationId}`;
  const rows = await query<WebhookRow>(
    db,
    sql`select * from webhooks where true ${filter} ${page.after ? sql`and id > ${page.after}` : empty}
        order by id limit ${page.limit}`,
  );
  return rows.map(toWebhook);
}

export async function updateWebhook(
  db: Executor,
  id: WebhookId,
  changes: {
    url?: string | undefined;
    eventTypes?: readonly string[] | undefined;
    state?: WebhookState | undefined;
    now: Date;
  },
): Promise<Webhook> {
  const row = await queryOne<WebhookRow>(
    db,
    sql`update webhooks set
          url = coalesce(${changes.url ?? null}, url),
          event_types = coalesce(${changes.eventTypes ? [...changes.eventTypes] : null}::text[], event_types),
          state = coalesce(${changes.state ?? null}, state),
          failing_since = case when coalesce(${changes.state ?? null}, state) = 'failing' then failing_since end,
          updated_at = ${changes.now}
        where id = ${id} returning *`,
  );
  return toWebhook(row!);
}

export async function updateWebhookSecret(
  db: Executor,
  id: WebhookId,
  s: { sealedSecret: string; sealedPreviousSecret: string | null; previousExpiresAt: Date | null; now: Date },
): Promise<Webhook> {
  const row = await queryOne<WebhookRow>(
    db,
    sql`update webhooks set secret = ${s.sealedSecret}, previous_secret = ${s.sealedPreviousSecret},
          previous_secret_expires_at = ${s.previousExpiresAt}, updated_at = ${s.now}
        where id = ${id} returning *`,
  );
  return toWebhook(row!);
}

/** Marks an active webhook failing; `false` when it was not active (another node got there first). */
export async function markWebhookFailing(db: Executor, id: WebhookId, now: Date): Promise<boolean> {
  const rows = await query(
    db,
    sql`update webhooks set state = 'failing', failing_since = ${now}, updated_at = ${now}
        where id = ${id} and state = 'active' returning id`,
  );
  return rows.length > 0;
}

export async function deleteWebhook(db: Executor, id: WebhookId): Promise<void> {
  await query(db, sql`delete from webhooks where id = ${id}`);
}
