/** A small client for the admin API, used by the `roster` command. */
export class AdminApiError extends Error {
  override readonly name = 'AdminApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class AdminClient {
  constructor(
    private readonly baseUrl: string,
    private readonly key: string | undefined,
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    if (!this.key)
      throw new AdminApiError(0, 'no_admin_key', 'set ROSTER_ADMIN_KEY (or pass --key) to an admin key');
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? String(error);
      throw new AdminApiError(
        0,
        'unreachable',
        `cannot reach Roster at ${this.baseUrl} (${cause}); is it running?`,
      );
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    const json = text ? (JSON.parse(text) as unknown) : undefined;
    if (!response.ok) {
      const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new AdminApiError(
        response.status,
        error?.code ?? 'http_error',
        error?.message ?? `HTTP ${response.status}`,
      );
    }
    return json as T;
  }

  /** Follows `nextCursor` until the listing is complete. */
  async listAll<T>(path: string): Promise<T[]> {
    const all: T[] = [];
    let cursor: string | undefined;
    do {
      const sep = path.includes('?') ? '&' : '?';
      const page = await this.request<{ data: T[]; nextCursor?: string }>(
        'GET',
        `${path}${sep}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      all.push(...page.data);
      cursor = page.nextCursor;
    } while (cursor);
    return all;
  }
}
