/**
 * The single value a resolved path (`patch-target.ts`) denotes in one resource, for readers that want one value
 * rather than a PATCH target: `emails[type eq "work"].value` is the work email's address. Where several
 * elements qualify, RFC 7643 §2.4's `primary` decides ("the preferred value"), else the first one wins.
 */
import { isJsonObject } from './attribute-values.js';
import { type PatchTarget, readTarget } from './patch-target.js';
import { ScimError } from './scim-error.js';
import { matchesValueFilter } from './value-filter.js';

/**
 * What `target` denotes in `resource`, or `undefined` when absent. A multi-valued simple attribute without a
 * filter is its whole list; a multi-valued complex one without a filter is its primary element, else its first.
 */
export function selectTargetValue(resource: Readonly<Record<string, unknown>>, target: PatchTarget): unknown {
  const value = readTarget(resource, target);
  if (value === undefined || value === null) return undefined;
  const { attribute, filter, sub } = target;
  let chosen: unknown = value;
  if (attribute.multiValued) {
    if (!Array.isArray(value)) return undefined;
    if (!filter && attribute.type !== 'complex') return value;
    const candidates = filter ? value.filter((e) => matches(target, e)) : value;
    chosen = candidates.find((e) => isJsonObject(e) && e.primary === true) ?? candidates[0];
  } else if (filter && !matches(target, value)) {
    return undefined;
  }
  if (chosen === undefined || chosen === null) return undefined;
  if (!sub) return chosen;
  return isJsonObject(chosen) ? chosen[sub.name] : undefined;
}

function matches(target: PatchTarget, element: unknown): boolean {
  try {
    return matchesValueFilter(target.filter!, element, target.attribute);
  } catch (error) {
    // An operator the sub-attribute's type does not support matches nothing (callers validate filters first).
    if (error instanceof ScimError) return false;
    throw error;
  }
}
