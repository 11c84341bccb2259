/**
 * The app's own values of the attributes its directory's mapping declares app-owned (docs/attribute-mapping.md):
 * the identity provider's value is still recorded (`idpAttributes`), but the app's, once set, is what
 * `customAttributes` shows. Identity provider writes never touch these values.
 */
import { insertAuditEntry } from '../db/audit-store.js';
import { type Pool, transaction } from '../db/database.js';
import { appendEvents } from '../db/event-store.js';
import { selectUser, updateAppAttributes } from '../db/user-store.js';
import { userEvents } from '../events/directory-events.js';
import { jsonEqual } from '../scim/attribute-values.js';
import { type DirectoryId, isUuid } from '../shared/ids.js';
import { type Principal, Rejected, auditActor, requireScope } from '../tenants/principal.js';
import { CORE_MODEL, lockCurrentModel } from './directory-model.js';
import { visibleScope } from './scope.js';

/**
 * Sets (a value) or clears (null) the app's values of app-owned names for one user, with a `user.updated`
 * event when the normalized user changes. Throws `Rejected` (400) for a name the mapping does not declare
 * app-owned; says what was not found otherwise.
 */
export async function setAppAttributes(
  pool: Pool,
  actor: Principal,
  directoryId: DirectoryId,
  userId: string,
  values: Readonly<Record<string, unknown>>,
): Promise<'done' | 'directory' | 'user'> {
  requireScope(actor, 'admin:write');
  return transaction(pool, async (tx) => {
    const scope = await visibleScope(tx, actor, directoryId);
    if (!scope) return 'directory';
    // The user first, then the directory: the order SCIM writers lock them in.
    const current = isUuid(userId) ? await selectUser(tx, scope, userId, { forUpdate: true }) : undefined;
    if (!current) return 'user';
    const { mapping } = await lockCurrentModel(tx, scope, CORE_MODEL);
    const owned = new Set(mapping.filter((e) => e.owner === 'app').map((e) => e.name));
    const refused = Object.keys(values).filter((name) => !owned.has(name));
    if (refused.length > 0) {
      throw new Rejected(
        'validation_failed',
        `not app-owned in this directory's attribute mapping: ${refused.join(', ')}` +
          (owned.size > 0 ? ` (app-owned: ${[...owned].join(', ')})` : ' (no name is app-owned)'),
      );
    }
    const next: Record<string, unknown> = { ...current.app_attributes };
    for (const [name, value] of Object.entries(values)) {
      if (value === null) delete next[name];
      else next[name] = value;
    }
    if (jsonEqual(next, current.app_attributes)) return 'done';
    const row = await updateAppAttributes(tx, scope, current.id, next);
    await appendEvents(tx, scope, userEvents(current, row, mapping));
    await insertAuditEntry(tx, {
      organizationId: scope.organizationId,
      ...auditActor(actor),
      action: 'user.app_attributes_set',
      targetType: 'user',
      targetId: current.id,
      details: { names: Object.keys(values) },
    });
    return 'done';
  });
}
