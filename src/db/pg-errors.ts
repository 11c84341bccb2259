/** PostgreSQL error translation: callers never see driver codes. */
import { ScimError } from '../scim/scim-error.js';

interface PgError {
  code?: string;
  constraint?: string;
}

/** SQLSTATE 23505 on the named unique index. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as PgError;
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}

/** Every index built for a directory's own schema attributes starts with this (`custom-indexes.ts`). */
export const CUSTOM_INDEX_PREFIX = 'scim_x_';

/**
 * Runs `work`, turning a unique violation into a SCIM 409 `uniqueness` error with `detail`, or, when the index
 * is one of a directory's `uniqueness: server` extension attributes, a detail that says so.
 */
export async function uniquely<T>(work: () => Promise<T>, detail: string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error)) {
      const custom = (error as PgError).constraint?.startsWith(CUSTOM_INDEX_PREFIX);
      throw ScimError.uniqueness(
        custom
          ? 'a value of an extension attribute with uniqueness "server" is already taken in this directory'
          : detail,
      );
    }
    throw error;
  }
}
