/** RFC 7644 §3.14 / RFC 9110 §13.1: `If-Match` and `If-None-Match` against a resource's weak ETag. */
import { ScimError } from '../scim/scim-error.js';
import { etagOf } from '../scim/render.js';

/** The entity tags of an `If-Match`/`If-None-Match` header, weak-compared (RFC 9110 §8.8.3.2). */
function tagsOf(header: string): string[] {
  return header.split(',').map((t) => t.trim().replace(/^W\//, ''));
}

function matches(header: string, version: number): boolean {
  const current = etagOf(version).replace(/^W\//, '');
  return tagsOf(header).some((tag) => tag === '*' || tag === current);
}

/** Throws 412 when an `If-Match` header is present and names no current version. */
export function checkIfMatch(header: string | undefined, version: number): void {
  if (header !== undefined && header.trim() !== '' && !matches(header, version)) {
    throw ScimError.preconditionFailed(`the resource has changed; its version is now ${etagOf(version)}`);
  }
}

/** True when an `If-None-Match` header names the current version: the client's copy is fresh (304). */
export function isNotModified(header: string | undefined, version: number): boolean {
  return header !== undefined && header.trim() !== '' && matches(header, version);
}
