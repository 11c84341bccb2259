/**
 * Which events a change produces (ARCHITECTURE.md, "Event envelope"): a pure function of the normalized state
 * before and after, so the same logical change yields the same events whatever request shape caused it. A
 * write that changes nothing normalized yields nothing.
 */
import {
  type NormalizedGroup,
  type NormalizedUser,
  changedFields,
  normalizeGroup,
  normalizeUser,
} from '../directory/normalized.js';
import type { AttributeMapping } from '../directory/attribute-mapping.js';

export const EVENT_TYPES = [
  'directory.activated',
  'directory.deactivated',
  'directory.deleted',
  'user.created',
  'user.updated',
  'user.deactivated',
  'user.reactivated',
  'user.deleted',
  'group.created',
  'group.updated',
  'group.deleted',
  'group.member_added',
  'group.member_removed',
  'role.assigned',
  'role.revoked',
  'role.approval_requested',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** An event before it has a sequence, id and time (the event store assigns those at append). */
export interface NewEvent {
  readonly type: EventType;
  readonly data: Record<string, unknown>;
  readonly previous?: Record<string, unknown>;
}

/** A directory's own lifecycle event; `data` is the directory as the admin API shows it, without URLs. */
export function directoryEvent(
  type: 'directory.activated' | 'directory.deactivated' | 'directory.deleted',
  d: { id: string; organizationId: string; name: string; provider: string; state: string },
): NewEvent {
  return {
    type,
    data: { id: d.id, organizationId: d.organizationId, name: d.name, provider: d.provider, state: d.state },
  };
}

type Stored = { readonly id: string; readonly resource: Readonly<Record<string, unknown>> };
type StoredUser = Stored & { readonly app_attributes?: Readonly<Record<string, unknown>> };

const userData = (id: string, user: NormalizedUser) => ({ id, ...user });
const groupData = (id: string, group: NormalizedGroup) => ({ id, ...group });

/**
 * Events for a user going from `before` to `after` (either absent: created or deleted), both normalized under
 * the directory's attribute `mapping`.
 */
export function userEvents(
  before: StoredUser | undefined,
  after: StoredUser | undefined,
  mapping: AttributeMapping,
): NewEvent[] {
  const normalize = (u: StoredUser) => normalizeUser(u.resource, mapping, u.app_attributes);
  if (!before && !after) return [];
  if (!before) return [{ type: 'user.created', data: userData(after!.id, normalize(after!)) }];
  const was = normalize(before);
  if (!after) return [{ type: 'user.deleted', data: userData(before.id, was) }];
  return userChangeEvents(after.id, was, normalize(after));
}

/**
 * Events for a user whose normalized state went from `was` to `now` (a write, or a new attribute mapping):
 * `user.updated` with the old values of the changed fields, then any state change.
 */
export function userChangeEvents(id: string, was: NormalizedUser, now: NormalizedUser): NewEvent[] {
  const events: NewEvent[] = [];
  const previous = changedFields(was, now, ['state']);
  if (Object.keys(previous).length > 0) {
    events.push({ type: 'user.updated', data: userData(id, now), previous });
  }
  // Deactivation and reactivation are their own events, after any field changes of the same write.
  if (was.state !== now.state) {
    events.push({
      type: now.state === 'inactive' ? 'user.deactivated' : 'user.reactivated',
      data: userData(id, now),
    });
  }
  return events;
}

/** Events for a group's own attributes (membership changes are `memberEvents`). */
export function groupEvents(before: Stored | undefined, after: Stored | undefined): NewEvent[] {
  if (!before && !after) return [];
  if (!before)
    return [{ type: 'group.created', data: groupData(after!.id, normalizeGroup(after!.resource)) }];
  const was = normalizeGroup(before.resource);
  if (!after) return [{ type: 'group.deleted', data: groupData(before.id, was) }];
  const now = normalizeGroup(after.resource);
  const previous = changedFields(was, now);
  return Object.keys(previous).length > 0
    ? [{ type: 'group.updated', data: groupData(after.id, now), previous }]
    : [];
}

/** A membership row added or removed by a write, in the order the write applied it. */
export interface MembershipChange {
  readonly change: 'added' | 'removed';
  readonly groupId: string;
  readonly memberId: string;
  readonly memberType: 'User' | 'Group';
}

/** One event per member added or removed: adding three members is three `group.member_added`. */
export function memberEvents(changes: readonly MembershipChange[]): NewEvent[] {
  return changes.map((m) => ({
    type: m.change === 'added' ? 'group.member_added' : 'group.member_removed',
    data: { groupId: m.groupId, memberId: m.memberId, memberType: m.memberType },
  }));
}
