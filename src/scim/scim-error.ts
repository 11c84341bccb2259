/**
 * SCIM protocol errors (RFC 7644 §3.12). The status and `scimType` pairing is encoded once, in the named
 * constructors, so a handler can never send `invalidFilter` with a 409. The wire body is produced by `toBody`.
 */
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/**
 * RFC 7644 §3.12 Table 9, plus RFC 9865's cursor errors and `tooLarge`: RFC 7644 §3.7.4 gives a bulk request over
 * `maxPayloadSize` a 413 without naming a `scimType`; Roster names it so a client can tell it from `tooMany`.
 */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'tooLarge'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive'
  | 'invalidCursor'
  | 'expiredCursor';

export interface ScimErrorBody {
  schemas: [typeof ERROR_SCHEMA];
  status: string;
  scimType?: ScimType;
  detail?: string;
}

export class ScimError extends Error {
  override readonly name = 'ScimError';

  private constructor(
    readonly status: number,
    readonly scimType: ScimType | undefined,
    readonly detail: string,
  ) {
    super(detail);
  }

  static invalidFilter = (detail: string): ScimError => new ScimError(400, 'invalidFilter', detail);
  static tooMany = (detail: string): ScimError => new ScimError(400, 'tooMany', detail);
  static uniqueness = (detail: string): ScimError => new ScimError(409, 'uniqueness', detail);
  static mutability = (detail: string): ScimError => new ScimError(400, 'mutability', detail);
  static invalidSyntax = (detail: string): ScimError => new ScimError(400, 'invalidSyntax', detail);
  static invalidPath = (detail: string): ScimError => new ScimError(400, 'invalidPath', detail);
  static noTarget = (detail: string): ScimError => new ScimError(400, 'noTarget', detail);
  static invalidValue = (detail: string): ScimError => new ScimError(400, 'invalidValue', detail);
  static invalidVersion = (detail: string): ScimError => new ScimError(400, 'invalidVers', detail);
  static sensitive = (detail: string): ScimError => new ScimError(400, 'sensitive', detail);
  static invalidCursor = (detail: string): ScimError => new ScimError(400, 'invalidCursor', detail);
  static expiredCursor = (detail: string): ScimError => new ScimError(400, 'expiredCursor', detail);
  static badRequest = (detail: string): ScimError => new ScimError(400, undefined, detail);
  static unauthorized = (detail = 'Authorization failure'): ScimError =>
    new ScimError(401, undefined, detail);
  static forbidden = (detail: string): ScimError => new ScimError(403, undefined, detail);
  static notFound = (detail: string): ScimError => new ScimError(404, undefined, detail);
  static methodNotAllowed = (detail: string): ScimError => new ScimError(405, undefined, detail);
  static conflict = (detail: string): ScimError => new ScimError(409, undefined, detail);
  static preconditionFailed = (detail: string): ScimError => new ScimError(412, undefined, detail);
  /** Any request over the server's body limit (`ROSTER_BODY_LIMIT_BYTES`). */
  static payloadTooLarge = (detail: string): ScimError => new ScimError(413, undefined, detail);
  /** RFC 7644 §3.7.4: a bulk request over `maxPayloadSize`; the detail names the limit. */
  static bulkTooLarge = (detail: string): ScimError => new ScimError(413, 'tooLarge', detail);
  /** RFC 7644 §3.7.4: a bulk request with more than `maxOperations` operations; the detail names the limit. */
  static bulkTooMany = (detail: string): ScimError => new ScimError(413, 'tooMany', detail);
  /**
   * A bulk operation whose `bulkId:` reference cannot be resolved: no operation defines it, it failed, or it sits
   * in a cycle that could not be resolved (RFC 7644 §3.7.1: "return HTTP status code 409 (Conflict)").
   */
  static unresolvedBulkId = (detail: string): ScimError => new ScimError(409, 'invalidValue', detail);
  static unsupportedMediaType = (detail: string): ScimError => new ScimError(415, undefined, detail);
  static tooManyRequests = (detail: string): ScimError => new ScimError(429, undefined, detail);
  static internal = (detail: string): ScimError => new ScimError(500, undefined, detail);
  static notImplemented = (detail: string): ScimError => new ScimError(501, undefined, detail);
  static unavailable = (detail: string): ScimError => new ScimError(503, undefined, detail);

  /** RFC 7644 §3.12: `status` is a string on the wire. */
  toBody(): ScimErrorBody {
    return {
      schemas: [ERROR_SCHEMA],
      status: String(this.status),
      ...(this.scimType ? { scimType: this.scimType } : {}),
      detail: this.detail,
    };
  }
}
