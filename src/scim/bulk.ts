/**
 * SCIM Bulk (RFC 7644 §3.7): the BulkRequest read into operations, and the BulkResponse rendered from their
 * results. Ordering by `bulkId` references and cycle detection are in `bulk-plan.ts`; running the plan against the
 * database is the use case's job (`directory/bulk.ts`).
 *
 * The request is read with the same tolerance as PATCH: `schemas` may be absent, member names and `method` are
 * case-insensitive. A malformed request as a whole (not an object, no `Operations` array, too many operations,
 * a bad `failOnErrors`) is one error for the whole request; a malformed operation fails only that operation,
 * with the status a single request would have had (RFC 7644 §3.7.3).
 */
import { isJsonObject } from './attribute-values.js';
import { ScimError, type ScimErrorBody } from './scim-error.js';

export const BULK_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const BULK_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

/**
 * RFC 7644 §3.7.4: the limits a client may send in one request, advertised in ServiceProviderConfig (RFC 7643
 * §5 `bulk`) and enforced with 413. The one place both numbers live.
 */
export const BULK_LIMITS = { maxOperations: 1000, maxPayloadSize: 1_048_576 } as const;

export type BulkMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type BulkResourceType = 'User' | 'Group';
/** The resource a PUT, PATCH or DELETE names: a stored id, or a resource created in this request. */
export type BulkTarget = { readonly id: string } | { readonly bulkId: string };

/** One well-formed operation. `references` are the bulkIds its `path` and `data` name (RFC 7644 §3.7.2). */
export interface BulkOperation {
  /** Position in the request's `Operations`, from 0. */
  readonly index: number;
  readonly method: BulkMethod;
  readonly resourceType: BulkResourceType;
  readonly bulkId?: string;
  readonly target?: BulkTarget;
  /** RFC 7644 §3.7: the version the client last saw; checked like `If-Match` (§3.14). */
  readonly version?: string;
  readonly data?: unknown;
  readonly references: readonly string[];
}

/** An operation that fails before it runs; `method` and `bulkId` are echoed when the client sent them. */
export interface InvalidBulkOperation {
  readonly index: number;
  readonly method?: string;
  readonly bulkId?: string;
  readonly error: ScimError;
}

export interface BulkRequest {
  /** RFC 7644 §3.7: stop after this many errors; absent means run every operation. */
  readonly failOnErrors?: number;
  readonly operations: readonly (BulkOperation | InvalidBulkOperation)[];
}

export const isInvalid = (op: BulkOperation | InvalidBulkOperation): op is InvalidBulkOperation =>
  'error' in op;

const METHODS: readonly BulkMethod[] = ['POST', 'PUT', 'PATCH', 'DELETE'];
const RESOURCE_TYPES: Readonly<Record<string, BulkResourceType>> = { users: 'User', groups: 'Group' };
const BULK_ID_PREFIX = 'bulkId:';

/**
 * Reads a BulkRequest body. Throws `ScimError.invalidSyntax`/`invalidValue` for a malformed request and
 * `ScimError.bulkTooMany` (413) past `maxOperations`; per-operation problems come back as invalid operations.
 */
export function parseBulkRequest(body: unknown, limits = BULK_LIMITS): BulkRequest {
  if (!isJsonObject(body)) throw ScimError.invalidSyntax('the bulk request body must be a JSON object');
  const schemas = member(body, 'schemas');
  if (schemas !== undefined) {
    const list: unknown[] = Array.isArray(schemas) ? schemas : [schemas];
    if (
      !list.some((urn) => typeof urn === 'string' && urn.toLowerCase() === BULK_REQUEST_SCHEMA.toLowerCase())
    ) {
      throw ScimError.invalidSyntax(`schemas must contain ${BULK_REQUEST_SCHEMA}`);
    }
  }
  const operations = member(body, 'Operations');
  if (!Array.isArray(operations)) throw ScimError.invalidSyntax('Operations must be an array');
  if (operations.length === 0) throw ScimError.invalidValue('Operations must not be empty');
  if (operations.length > limits.maxOperations) {
    throw ScimError.bulkTooMany(
      `the bulk request has ${operations.length} operations; maxOperations is ${limits.maxOperations}`,
    );
  }
  const failOnErrors = member(body, 'failOnErrors');
  if (failOnErrors !== undefined && failOnErrors !== null) {
    if (typeof failOnErrors !== 'number' || !Number.isSafeInteger(failOnErrors) || failOnErrors < 1) {
      throw ScimError.invalidValue('failOnErrors must be a positive integer');
    }
  }
  const definedAt = new Map<string, number>();
  const parsed = operations.map((raw, index) => {
    const op = toOperation(raw, index);
    // RFC 7644 §3.7: a bulkId is "unique within a bulk request"; the first POST that uses it defines it.
    if (!isInvalid(op) && op.method === 'POST' && op.bulkId !== undefined) {
      const earlier = definedAt.get(op.bulkId);
      if (earlier !== undefined) {
        return invalid(
          op,
          ScimError.invalidValue(`bulkId "${op.bulkId}" is already used by Operations[${earlier}]`),
        );
      }
      definedAt.set(op.bulkId, index);
    }
    return op;
  });
  return { ...(typeof failOnErrors === 'number' ? { failOnErrors } : {}), operations: parsed };
}

function toOperation(raw: unknown, index: number): BulkOperation | InvalidBulkOperation {
  const where = `Operations[${index}]`;
  if (!isJsonObject(raw)) return { index, error: ScimError.invalidSyntax(`${where} must be a JSON object`) };
  const methodText = member(raw, 'method');
  const bulkIdValue = member(raw, 'bulkId');
  const echo = {
    index,
    ...(typeof methodText === 'string' ? { method: methodText.toUpperCase() } : {}),
    ...(typeof bulkIdValue === 'string' ? { bulkId: bulkIdValue } : {}),
  };
  const fail = (error: ScimError): InvalidBulkOperation => ({ ...echo, error });
  const method = METHODS.find((m) => m === echo.method);
  if (!method) return fail(ScimError.invalidValue(`${where}.method must be POST, PUT, PATCH or DELETE`));
  if (bulkIdValue !== undefined && (typeof bulkIdValue !== 'string' || bulkIdValue.trim() === '')) {
    return fail(ScimError.invalidValue(`${where}.bulkId must be a non-empty string`));
  }
  // RFC 7644 §3.7: bulkId is "REQUIRED when 'method' is 'POST'".
  if (method === 'POST' && echo.bulkId === undefined) {
    return fail(ScimError.invalidValue(`${where}.bulkId is required for POST`));
  }
  const version = member(raw, 'version');
  if (version !== undefined && version !== null && typeof version !== 'string') {
    return fail(ScimError.invalidValue(`${where}.version must be a string`));
  }
  const path = member(raw, 'path');
  if (typeof path !== 'string') return fail(ScimError.invalidValue(`${where}.path must be a string`));
  const route = parsePath(path);
  // A single request to a path that names no endpoint for this method would be a 404.
  if (!route || (method === 'POST') !== (route.target === undefined)) {
    const expected = method === 'POST' ? '/Users or /Groups' : '/Users/{id} or /Groups/{id}';
    return fail(
      ScimError.notFound(`${where}.path "${path}" names no endpoint for ${method}; use ${expected}`),
    );
  }
  const data = member(raw, 'data');
  if (method !== 'DELETE' && !isJsonObject(data)) {
    return fail(ScimError.invalidSyntax(`${where}.data must be a JSON object for ${method}`));
  }
  const references = new Set<string>(method === 'DELETE' ? [] : referencesIn(data));
  if (route.target && 'bulkId' in route.target) references.add(route.target.bulkId);
  return {
    index,
    method,
    resourceType: route.resourceType,
    ...(echo.bulkId !== undefined ? { bulkId: echo.bulkId } : {}),
    ...(route.target ? { target: route.target } : {}),
    ...(typeof version === 'string' && version.trim() !== '' ? { version } : {}),
    ...(method !== 'DELETE' ? { data } : {}),
    references: [...references],
  };
}

const invalid = (op: BulkOperation, error: ScimError): InvalidBulkOperation => ({
  index: op.index,
  method: op.method,
  ...(op.bulkId !== undefined ? { bulkId: op.bulkId } : {}),
  error,
});

/** `/Users`, `/Groups/{id}`, `/Groups/bulkId:qwerty` (RFC 7644 §3.7.2); endpoint names case-insensitive. */
function parsePath(path: string): { resourceType: BulkResourceType; target?: BulkTarget } | undefined {
  const segments = path.trim().replace(/^\//, '').replace(/\/$/, '').split('/');
  if (segments.length > 2) return undefined;
  const resourceType = RESOURCE_TYPES[segments[0]?.toLowerCase() ?? ''];
  if (!resourceType) return undefined;
  if (segments.length === 1) return { resourceType };
  let id: string;
  try {
    id = decodeURIComponent(segments[1] ?? '');
  } catch {
    return undefined;
  }
  if (id === '') return undefined;
  const bulkId = bulkIdOf(id);
  return { resourceType, target: bulkId !== undefined ? { bulkId } : { id } };
}

/** `qwerty` for the string `"bulkId:qwerty"`, else undefined. */
function bulkIdOf(value: string): string | undefined {
  return value.startsWith(BULK_ID_PREFIX) && value.length > BULK_ID_PREFIX.length
    ? value.slice(BULK_ID_PREFIX.length)
    : undefined;
}

// A reference quoted inside a longer string: a PATCH path filter such as `members[value eq "bulkId:qwerty"]`.
const QUOTED_REFERENCE = /"bulkId:([^"]+)"/g;

function referencesOfString(value: string): string[] {
  const whole = bulkIdOf(value);
  if (whole !== undefined) return [whole];
  return [...value.matchAll(QUOTED_REFERENCE)].map((m) => m[1]!);
}

/**
 * Every bulkId that `value` references, in first-seen order: RFC 7644 §3.7.2 puts them in `members[].value`
 * and extension attributes such as `manager.value` ("Extensions that include references to other resources MUST
 * be handled in the same way"), so every string at any depth is searched.
 */
export function referencesIn(value: unknown): string[] {
  const found = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') for (const ref of referencesOfString(v)) found.add(ref);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (isJsonObject(v)) Object.values(v).forEach(walk);
  };
  walk(value);
  return [...found];
}

/**
 * A copy of `value` with every reference replaced by the id `idOf` gives (RFC 7644 §3.7.2: "The service provider
 * MUST replace the string 'bulkId:qwerty' with the permanent resource id once created"). Throws
 * `ScimError.unresolvedBulkId` (409) for a reference `idOf` cannot resolve.
 */
export function resolveReferences(value: unknown, idOf: (bulkId: string) => string | undefined): unknown {
  const resolve = (bulkId: string): string => {
    const id = idOf(bulkId);
    if (id === undefined) {
      throw ScimError.unresolvedBulkId(`bulkId "${bulkId}" does not name a resource created by this request`);
    }
    return id;
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const whole = bulkIdOf(v);
      if (whole !== undefined) return resolve(whole);
      return v.replace(QUOTED_REFERENCE, (_, bulkId: string) => `"${resolve(bulkId)}"`);
    }
    if (Array.isArray(v)) return v.map(walk);
    if (isJsonObject(v)) return Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, walk(inner)]));
    return v;
  };
  return walk(value);
}

/**
 * A copy of `value` without what references a bulkId in `pending`: list elements that contain such a reference
 * are dropped (a member), and so are object members whose value is one (a `manager.value`). RFC 7644 §3.7.1:
 * resources in a cycle are created without these, and the references are applied once every resource exists.
 */
export function withoutReferences(value: unknown, pending: ReadonlySet<string>): unknown {
  const mentions = (v: unknown) => referencesIn(v).some((ref) => pending.has(ref));
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.filter((element) => !mentions(element)).map(walk);
    if (isJsonObject(v)) {
      return Object.fromEntries(
        Object.entries(v)
          .filter(([, inner]) => !(typeof inner === 'string' && mentions(inner)))
          .map(([k, inner]) => [k, walk(inner)]),
      );
    }
    return v;
  };
  return walk(value);
}

/** The result of one operation, as the BulkResponse reports it (RFC 7644 §3.7.3). */
export interface BulkOperationResult {
  readonly method?: string;
  readonly bulkId?: string;
  readonly version?: string;
  /** Every operation but a failed POST carries the resource's location, when it is known. */
  readonly location?: string;
  readonly status: number;
  /** The error body of a failure, or the resource a successful POST, PUT or PATCH wrote. */
  readonly response?: ScimErrorBody | Record<string, unknown>;
}

export interface BulkResponse {
  schemas: [typeof BULK_RESPONSE_SCHEMA];
  Operations: Record<string, unknown>[];
}

/** RFC 7644 §3.7.3: `status` is the HTTP status code as a string, as in the RFC's examples. */
export function toBulkResponse(results: readonly BulkOperationResult[]): BulkResponse {
  return {
    schemas: [BULK_RESPONSE_SCHEMA],
    Operations: results.map((r) => ({
      ...(r.method !== undefined ? { method: r.method } : {}),
      ...(r.bulkId !== undefined ? { bulkId: r.bulkId } : {}),
      ...(r.version !== undefined ? { version: r.version } : {}),
      ...(r.location !== undefined ? { location: r.location } : {}),
      status: String(r.status),
      ...(r.response !== undefined ? { response: r.response } : {}),
    })),
  };
}

// RFC 7643 §2.1: attribute names, and by extension the message's own member names, are case-insensitive.
function member(object: Record<string, unknown>, name: string): unknown {
  const wanted = name.toLowerCase();
  const key = Object.keys(object).find((candidate) => candidate.toLowerCase() === wanted);
  return key === undefined ? undefined : object[key];
}
