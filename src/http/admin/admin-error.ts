/**
 * The admin API's error catalogue. Every error body is `{ "error": { "code", "message" } }`; the codes and their
 * statuses are listed here once and in docs/errors.md, and a test keeps the two in step.
 */
export const ADMIN_ERROR_STATUS = {
  validation_failed: 400,
  url_refused: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const;

export type AdminErrorCode = keyof typeof ADMIN_ERROR_STATUS;

export interface AdminErrorBody {
  error: { code: AdminErrorCode; message: string; requestId?: string };
}

export class AdminError extends Error {
  override readonly name = 'AdminError';

  constructor(
    readonly code: AdminErrorCode,
    message: string,
  ) {
    super(message);
  }

  get status(): number {
    return ADMIN_ERROR_STATUS[this.code];
  }

  static notFound = (what: string): AdminError => new AdminError('not_found', `${what} not found`);

  toBody(requestId?: string): AdminErrorBody {
    return { error: { code: this.code, message: this.message, ...(requestId ? { requestId } : {}) } };
  }
}
