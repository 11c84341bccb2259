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

/** Runs `work`, turning a unique violation into a SCIM 409 `uniqueness` error with `detail`. */
export async function uniquely<T>(work: () => Promise<T>, detail: string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error)) throw ScimError.uniqueness(detail);
    throw error;
  }
}
