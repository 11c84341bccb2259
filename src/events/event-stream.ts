/**
 * Reading the event log: one directory by sequence, or an organization's (or, for platform keys, every)
 * directory by stream position. Cursors are opaque strings: for one directory the last sequence, so a consumer
 * may also pass an event's `sequence` as `after` (ARCHITECTURE.md); across directories an encoded
 * (transaction, directory, sequence) position. A consumer that stores the last `nextCursor` neither misses nor
 * repeats an event.
 */
import type { Pool } from '../db/database.js';
import { type StoredEvent, selectDirectoryEvents, selectEventStream } from '../db/event-store.js';
import { selectDirectory } from '../db/organization-store.js';
import type { DirectoryId, OrganizationId } from '../shared/ids.js';
import { type Principal, canSeeOrganization, requireScope } from '../tenants/principal.js';

export interface EventQuery {
  readonly organizationId?: OrganizationId | undefined;
  readonly directoryId?: DirectoryId | undefined;
  readonly after?: string | undefined;
  readonly types?: readonly string[] | undefined;
  readonly limit: number;
}

export type EventPage =
  | { readonly found: true; readonly events: StoredEvent[]; readonly nextCursor?: string }
  | { readonly found: false; readonly what: 'organization' | 'directory' | 'cursor' };

const SEQUENCE = /^\d{1,18}$/;
const STREAM = /^s\.(\d{1,20})\.([0-9a-f-]{36})\.(\d{1,18})$/;

export async function readEvents(pool: Pool, actor: Principal, q: EventQuery): Promise<EventPage> {
  requireScope(actor, 'admin:read');
  const organizationId = q.organizationId ?? actor.organizationId ?? undefined;
  if (organizationId && !canSeeOrganization(actor, organizationId)) {
    return { found: false, what: 'organization' };
  }
  if (q.directoryId) {
    const directory = await selectDirectory(pool, q.directoryId, organizationId);
    if (!directory) return { found: false, what: 'directory' };
    if (q.after !== undefined && !SEQUENCE.test(q.after)) return { found: false, what: 'cursor' };
    const afterSequence = q.after === undefined ? 0 : Number(q.after);
    const events = await selectDirectoryEvents(
      pool,
      { organizationId: directory.organizationId, directoryId: directory.id },
      { afterSequence, limit: q.limit, types: q.types },
    );
    const last = events.at(-1);
    const position = last ? String(last.sequence) : q.after;
    return { found: true, events, ...(position !== undefined ? { nextCursor: position } : {}) };
  }
  let after: { txid: string; directoryId: string; sequence: number } | undefined;
  if (q.after !== undefined) {
    const match = STREAM.exec(decode(q.after));
    if (!match) return { found: false, what: 'cursor' };
    after = { txid: match[1]!, directoryId: match[2]!, sequence: Number(match[3]) };
  }
  const events = await selectEventStream(pool, { organizationId }, { after, limit: q.limit, types: q.types });
  const last = events.at(-1);
  const nextCursor = last ? encode(`s.${last.txid}.${last.directoryId}.${last.sequence}`) : q.after;
  return { found: true, events, ...(nextCursor !== undefined ? { nextCursor } : {}) };
}

const encode = (text: string): string => Buffer.from(text).toString('base64url');
const decode = (cursor: string): string => Buffer.from(cursor, 'base64url').toString('utf8');

/** The envelope of ARCHITECTURE.md ("Event envelope"). */
export const eventView = (e: StoredEvent) => ({
  id: e.id,
  sequence: e.sequence,
  type: e.type,
  occurredAt: e.occurredAt.toISOString(),
  organizationId: e.organizationId,
  directoryId: e.directoryId,
  data: e.data,
  ...(e.previous ? { previous: e.previous } : {}),
});
