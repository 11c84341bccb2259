/** The append-only audit log. Entries are written in the same transaction as the change they describe. */
import type { CredentialId, OrganizationId } from '../shared/ids.js';
import { type Executor, empty, query, sql } from './database.js';

export interface AuditEntry {
  readonly organizationId: OrganizationId | null;
  readonly actorCredential: CredentialId | null;
  /** A human-readable actor: `admin_key:<hint>`, `bootstrap`, `system`. Never a secret. */
  readonly actorLabel: string;
  readonly action: string;
  readonly targetType: string;
  readonly targetId: string | null;
  readonly outcome?: 'success' | 'denied' | 'failure';
  readonly details?: Record<string, string | number | boolean | null | string[]>;
}

export interface StoredAuditEntry extends Required<AuditEntry> {
  readonly id: number;
  readonly occurredAt: Date;
}

interface AuditRow {
  id: string;
  organization_id: string | null;
  occurred_at: Date;
  actor_credential: string | null;
  actor_label: string;
  action: string;
  target_type: string;
  target_id: string | null;
  outcome: 'success' | 'denied' | 'failure';
  details: Record<string, string | number | boolean | null | string[]>;
}

export async function insertAuditEntry(db: Executor, e: AuditEntry): Promise<void> {
  await query(
    db,
    sql`insert into audit_log (organization_id, actor_credential, actor_label, action, target_type, target_id,
                               outcome, details)
        values (${e.organizationId}, ${e.actorCredential}, ${e.actorLabel}, ${e.action}, ${e.targetType},
                ${e.targetId}, ${e.outcome ?? 'success'}, ${JSON.stringify(e.details ?? {})})`,
  );
}

export async function selectAuditEntries(
  db: Executor,
  organizationId: OrganizationId | null,
  page: { after: number | undefined; limit: number },
): Promise<StoredAuditEntry[]> {
  const rows = await query<AuditRow>(
    db,
    sql`select * from audit_log
        where ${organizationId ? sql`organization_id = ${organizationId}` : sql`organization_id is null`}
          ${page.after !== undefined ? sql`and id > ${page.after}` : empty}
        order by id limit ${page.limit}`,
  );
  return rows.map((r) => ({
    id: Number(r.id),
    organizationId: r.organization_id as OrganizationId | null,
    occurredAt: r.occurred_at,
    actorCredential: r.actor_credential as CredentialId | null,
    actorLabel: r.actor_label,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    outcome: r.outcome,
    details: r.details,
  }));
}
