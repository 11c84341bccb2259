/**
 * The PATCH engine (RFC 7644 §3.5.2). `applyPatch` applies a request's operations, in order, to a copy of a
 * canonical resource (as `toCanonicalResource` makes it) and returns the new resource. Group membership is not
 * in the resource: member operations come back as `MemberChange`s for the caller to apply, in the same
 * transaction, to the membership table. Any invalid operation throws a `ScimError` before anything is
 * returned, so a request applies completely or not at all (RFC 7644 §3.5.2: "all-or-nothing").
 *
 * Beyond the RFC, the engine accepts what IdPs really send (IDP-QUIRKS §1 items 1-6): no-path values whose keys
 * are paths, string booleans, member removal by value list, filters that create missing elements, and
 * Entra's forms of `manager`.
 */
import type { JsonObject, NormalizeContext } from './attribute-values.js';
import { isJsonObject, isSafeKey, jsonEqual, normalizeScalar, unknownAttribute } from './attribute-values.js';
import type { Member, MemberChange } from './group-members.js';
import { isMembership, memberValuesOf, normalizeMembers } from './group-members.js';
import { type NormalizationName, PERMISSIVE, type Tolerance, tolerate } from './normalizations.js';
import type { PatchOperation } from './patch-request.js';
import type { PatchTarget } from './patch-target.js';
import { extensionNamed, readTarget, resolveTarget, writeTarget } from './patch-target.js';
import type { PatchOp } from './patch-values.js';
import { nextList, nextSingular } from './patch-values.js';
import { assertRequired, presentSchemas } from './resource.js';
import type { ResourceSchemas } from './schema-model.js';
import { ScimError } from './scim-error.js';

export type { Member, MemberChange } from './group-members.js';
export type { PatchOperation } from './patch-request.js';
export { MAX_PATCH_OPERATIONS, PATCH_OP_SCHEMA, parsePatchRequest } from './patch-request.js';

/** What a PATCH request did: the new resource and, for Groups, the membership changes in operation order. */
export interface PatchResult {
  readonly resource: Record<string, unknown>;
  readonly members: MemberChange[];
  /** The last `password` written, if any; it never appears in `resource` (RFC 7643 §4.1.1, writeOnly). */
  readonly password?: string;
  /** Unknown attributes of no-path values (kept as sent unless the policy refused them). */
  readonly ignored: string[];
}

interface State extends NormalizeContext {
  readonly resource: JsonObject;
  readonly schemas: ResourceSchemas;
  readonly members: MemberChange[];
  password?: string;
}

/**
 * Applies `operations` (from `parsePatchRequest`) to a copy of `resource`; the input is never mutated. Throws
 * `ScimError` (invalidPath, mutability, invalidValue, invalidFilter, noTarget) when any operation is invalid.
 */
export function applyPatch(
  resource: Readonly<Record<string, unknown>>,
  operations: readonly PatchOperation[],
  schemas: ResourceSchemas,
  tolerance: Tolerance = PERMISSIVE,
): PatchResult {
  const state: State = {
    resource: structuredClone(resource),
    schemas,
    members: [],
    ignored: [],
    tolerance,
  };
  for (const operation of operations) applyOperation(state, operation);
  assertRequired(state.resource, schemas);
  // `schemas` first, recomputed from the extensions present (RFC 7643 §3).
  const present = presentSchemas(state.resource, schemas);
  delete state.resource.schemas;
  const result = { schemas: present, ...state.resource };
  return {
    resource: result,
    members: state.members,
    ...(state.password === undefined ? {} : { password: state.password }),
    ignored: state.ignored,
  };
}

/** The membership changes of a PATCH that touches nothing else (see {@link membershipChangesOf}). */
export interface MembershipPatch {
  readonly changes: MemberChange[];
  /** Counts what the operations tolerated: call it once the changes are applied instead of the whole PATCH. */
  count(): void;
}

/**
 * The membership changes of a PATCH whose every operation names a group's `members` by path (`members`,
 * `members[value eq "id"]`), as {@link applyPatch} would return them; undefined for any other PATCH, and for one
 * that {@link applyPatch} would refuse (so that the caller's full path gives the error, after its 404). Such a
 * PATCH leaves the resource as it is, so a caller can apply it without reading the resource first. Nothing is
 * counted against `tolerance` until the caller says so: a caller that goes on to {@link applyPatch} would count it
 * twice.
 */
export function membershipChangesOf(
  operations: readonly PatchOperation[],
  schemas: ResourceSchemas,
  tolerance: Tolerance,
): MembershipPatch | undefined {
  const applied: NormalizationName[] = [];
  const ignored: string[] = [];
  const deferred: Tolerance = {
    unknownAttributes: tolerance.unknownAttributes,
    allows: (name) => tolerance.allows(name),
    applied: (name) => applied.push(name),
    ignored: (path) => ignored.push(path),
  };
  const state: State = { resource: {}, schemas, members: [], ignored: [], tolerance: deferred };
  try {
    for (const { op, path, value } of operations) {
      const text = path?.trim();
      if (!text || extensionNamed(schemas, text)) return undefined;
      const target = resolveTarget(schemas, text);
      if (target.extension || !isMembership(target.attribute)) return undefined;
      applyToTarget(state, op, target, value, false);
    }
  } catch (error) {
    if (error instanceof ScimError) return undefined;
    throw error;
  }
  return {
    changes: state.members,
    count: () => {
      for (const name of applied) tolerance.applied(name);
      for (const path of ignored) tolerance.ignored(path);
    },
  };
}

function applyOperation(state: State, { op, path, value }: PatchOperation): void {
  if (path === undefined || path.trim() === '') {
    if (op === 'remove') throw ScimError.noTarget('remove requires a path');
    if (!isJsonObject(value)) throw ScimError.invalidSyntax('value must be an object when path is absent');
    return applyValueObject(state, op, value);
  }
  const extension = extensionNamed(state.schemas, path.trim());
  if (extension) {
    // A path naming a whole extension: its value is the extension object.
    if (op === 'remove') delete state.resource[extension.id];
    else applyValueObject(state, op, { [extension.id]: value });
    return;
  }
  applyToTarget(state, op, resolveTarget(state.schemas, path), value, false);
}

// RFC 7644 §3.5.2.1/§3.5.2.3 without a path: each key of the value is an attribute to add or replace. Entra
// (aadOptscim062020) sends paths as keys, so every key is resolved as a path (IDP-QUIRKS §1 item 3).
function applyValueObject(state: State, op: 'add' | 'replace', value: JsonObject): void {
  for (const [key, raw] of Object.entries(value)) {
    // Okta sends the group's own `id`, authentik `schemas`; neither is an update (IDP-QUIRKS §1 item 3).
    if (['schemas', 'id', 'meta'].includes(key.toLowerCase())) {
      if (tolerate(state.tolerance, 'read-only-ignored')) continue;
      throw ScimError.mutability(`"${key}" cannot be set by PATCH`);
    }
    const extension = extensionNamed(state.schemas, key);
    if (extension) {
      if (raw === null && op === 'replace') delete state.resource[extension.id];
      if (raw === null) continue;
      if (!isJsonObject(raw)) throw ScimError.invalidValue(`${extension.id} must be a JSON object`);
      for (const [name, inner] of Object.entries(raw)) {
        applyKey(state, op, `${extension.id}:${name}`, inner);
      }
      continue;
    }
    applyKey(state, op, key, raw);
  }
}

function applyKey(state: State, op: 'add' | 'replace', key: string, value: unknown): void {
  let target: PatchTarget;
  try {
    // RFC 7644 §3.5.2.1: the keys are attribute names; Entra sends paths (`name.givenName`, a URN-qualified
    // attribute), which only a profile that allows it reads as paths (IDP-QUIRKS §1 item 3).
    if (isPathKey(key) && !tolerate(state.tolerance, 'no-path-value-paths')) {
      throw ScimError.invalidPath(`"${key}" is a path, not an attribute name`);
    }
    target = resolveTarget(state.schemas, key);
  } catch (error) {
    // Unknown keys of a no-path value are kept or refused as the directory's policy says (IDP-QUIRKS §1 item 10).
    if (error instanceof ScimError && error.scimType === 'invalidPath') {
      if (!isSafeKey(key)) return;
      if (unknownAttribute(state, key, value)) state.resource[key] = value;
      else delete state.resource[key];
      return;
    }
    throw error;
  }
  applyToTarget(state, op, target, value, true);
}

// `name.givenName` or `urn:...:User:employeeNumber`, as opposed to a plain attribute name.
const isPathKey = (key: string): boolean => key.includes('.') || key.includes(':') || key.includes('[');

function applyToTarget(state: State, op: PatchOp, target: PatchTarget, value: unknown, inValue: boolean) {
  const { attribute, sub } = target;
  if (attribute.mutability === 'readOnly' || sub?.mutability === 'readOnly') {
    // RFC 7644 §3.5.2: a readOnly target is `mutability`; in a no-path value it is tolerated (Okta, Entra).
    if (inValue && tolerate(state.tolerance, 'read-only-ignored')) return;
    throw ScimError.mutability(`${target.text} is readOnly`);
  }
  if (attribute.mutability === 'writeOnly') {
    // RFC 7643 §4.1.1: the password is never stored in the resource; the caller decides what to do with it.
    if (op !== 'remove')
      state.password = normalizeScalar(attribute, value, target.text, state) as string | undefined;
    return;
  }
  if (target.filter && !attribute.multiValued && !tolerate(state.tolerance, 'manager-shapes')) {
    throw ScimError.invalidPath(`"${target.text}": a value filter needs a multi-valued attribute`);
  }
  if (isMembership(attribute) && !target.extension) return applyMembers(state, op, target, value);
  const current = readTarget(state.resource, target);
  const next = attribute.multiValued
    ? nextList(op, target, current, value, state)
    : nextSingular(op, target, current, value, state);
  assertMutable(target, current, next);
  writeTarget(state.resource, target, next);
}

// RFC 7643 §2.2: an immutable attribute (or sub-attribute) keeps the value it has once set.
function assertMutable(target: PatchTarget, current: unknown, next: unknown): void {
  const { attribute, sub } = target;
  const changed =
    attribute.mutability === 'immutable'
      ? current !== undefined && !jsonEqual(current, next)
      : sub?.mutability === 'immutable' && !attribute.multiValued && isJsonObject(current)
        ? current[sub.name] !== undefined &&
          !jsonEqual(current[sub.name], isJsonObject(next) ? next[sub.name] : undefined)
        : false;
  if (changed) throw ScimError.mutability(`${target.text} is immutable`);
}

function applyMembers(state: State, op: PatchOp, target: PatchTarget, value: unknown): void {
  const { attribute, filter, sub, text } = target;
  // RFC 7643 §4.2: a member's value, type and $ref are immutable; change membership by removing and adding.
  if (sub) throw ScimError.mutability(`${text}: members are removed and added, not modified`);
  const members = (): Member[] => normalizeMembers(attribute, value, text, state);
  if (filter) {
    if (op !== 'remove') throw ScimError.mutability(`${text}: members are removed and added, not modified`);
    // IDP-QUIRKS §11.2: ids that are not members are the caller's no-op, not `noTarget`.
    state.members.push({ kind: 'remove', values: memberValuesOf(filter) });
  } else if (op === 'replace') {
    // IDP-QUIRKS §11.1: replace is the whole list (Okta's full push), never a merge.
    state.members.push({ kind: 'replace', members: members() });
  } else if (op === 'add') {
    const added = members();
    if (added.length > 0) state.members.push({ kind: 'add', members: added });
  } else if (value === undefined || value === null) {
    state.members.push({ kind: 'removeAll' });
  } else {
    // IDP-QUIRKS §1 item 4: Entra/JumpCloud/authentik name the members to remove in `value`. Under a literal
    // RFC 7644 §3.5.2.2 reading this empties the group, which no client means: without the normalization it
    // is refused rather than read that way.
    if (!tolerate(state.tolerance, 'member-remove-value-list')) {
      throw ScimError.invalidValue(`${text}: remove takes no value; use members[value eq "id"]`);
    }
    const values = members().map((member) => member.value);
    if (values.length > 0) state.members.push({ kind: 'remove', values });
  }
}
