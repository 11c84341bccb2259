/**
 * The PATCH request body (RFC 7644 §3.5.2): `{ schemas: [PatchOp URN], Operations: [{ op, path?, value? }] }`,
 * read with the tolerance IdPs need (IDP-QUIRKS §1 items 1 and 10): `schemas` may be absent (authentik),
 * member names and `op` values are case-insensitive (Entra sends `"Replace"`).
 */
import { isJsonObject } from './attribute-values.js';
import { parsePatchPath } from './filter/parse.js';
import { PERMISSIVE, type Tolerance, tolerate } from './normalizations.js';
import { ScimError } from './scim-error.js';

export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** At most this many operations per request: one request is one transaction. */
export const MAX_PATCH_OPERATIONS = 1000;

/** One PATCH operation with its `op` lowercased; `path` is checked to parse but kept as text. */
export interface PatchOperation {
  readonly op: 'add' | 'replace' | 'remove';
  readonly path?: string;
  readonly value?: unknown;
}

const OPS = ['add', 'replace', 'remove'] as const;

/**
 * Validates a PATCH body and returns its operations. Throws `ScimError.invalidSyntax` for a malformed body,
 * `ScimError.invalidPath` for a malformed path and `ScimError.noTarget` for a `remove` without `path`.
 */
export function parsePatchRequest(body: unknown, tolerance: Tolerance = PERMISSIVE): PatchOperation[] {
  if (!isJsonObject(body)) throw ScimError.invalidSyntax('the PATCH body must be a JSON object');
  const schemas = member(body, 'schemas');
  if (schemas === undefined && !tolerate(tolerance, 'patch-schemas-optional')) {
    throw ScimError.invalidSyntax(`schemas must contain ${PATCH_OP_SCHEMA}`);
  }
  if (schemas !== undefined) {
    const list: unknown[] = Array.isArray(schemas) ? schemas : [schemas];
    if (!list.some((urn) => typeof urn === 'string' && urn.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase())) {
      throw ScimError.invalidSyntax(`schemas must contain ${PATCH_OP_SCHEMA}`);
    }
  }
  const operations = member(body, 'Operations');
  if (!Array.isArray(operations)) throw ScimError.invalidSyntax('Operations must be an array');
  if (operations.length === 0) throw ScimError.invalidSyntax('Operations must not be empty');
  if (operations.length > MAX_PATCH_OPERATIONS) {
    throw ScimError.invalidSyntax(`Operations has more than ${MAX_PATCH_OPERATIONS} operations`);
  }
  return operations.map((raw, index) => toOperation(raw, index, tolerance));
}

function toOperation(raw: unknown, index: number, tolerance: Tolerance): PatchOperation {
  const where = `Operations[${index}]`;
  if (!isJsonObject(raw)) throw ScimError.invalidSyntax(`${where} must be a JSON object`);
  const opText = member(raw, 'op');
  let op = typeof opText === 'string' ? OPS.find((known) => known === opText) : undefined;
  if (!op && typeof opText === 'string') {
    // Entra's default dialect sends "Replace", "Add", "Remove" (IDP-QUIRKS §1 item 1).
    const folded = OPS.find((known) => known === opText.toLowerCase());
    if (folded && tolerate(tolerance, 'patch-op-case')) op = folded;
  }
  if (!op) throw ScimError.invalidSyntax(`${where}.op must be "add", "replace" or "remove"`);
  const path = member(raw, 'path');
  if (path !== undefined && path !== null && typeof path !== 'string') {
    throw ScimError.invalidSyntax(`${where}.path must be a string`);
  }
  const value = member(raw, 'value');
  if (typeof path === 'string' && path.trim() !== '') {
    parsePatchPath(path);
    return { op, path, ...(value === undefined ? {} : { value }) };
  }
  // RFC 7644 §3.5.2.2: "If 'path' is unspecified, the operation fails with ... 'noTarget'".
  if (op === 'remove') throw ScimError.noTarget(`${where}: remove requires a path`);
  // RFC 7644 §3.5.2.1/§3.5.2.3: without a path, "value" carries the attributes to add or replace.
  if (!isJsonObject(value))
    throw ScimError.invalidSyntax(`${where}.value must be an object when path is absent`);
  return { op, value };
}

// RFC 7643 §2.1: attribute names, and by extension the message's own member names, are case-insensitive.
function member(object: Record<string, unknown>, name: string): unknown {
  const wanted = name.toLowerCase();
  const key = Object.keys(object).find((candidate) => candidate.toLowerCase() === wanted);
  return key === undefined ? undefined : object[key];
}
