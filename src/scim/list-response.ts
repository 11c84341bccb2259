/**
 * Query parameters of a SCIM list (RFC 7644 §3.4.2, §3.4.3) and the ListResponse (§3.4.2). Paging is either
 * index-based (`startIndex`, 1-based, and `count`) or cursor-based per RFC 9865 (`cursor`, `count`): the server
 * answers `nextCursor`/`previousCursor` instead of `startIndex` when the client asked with a cursor.
 */
import { ScimError } from './scim-error.js';

export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const SEARCH_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

export interface PagingLimits {
  defaultCount: number;
  maxCount: number;
}

export interface ListQuery {
  filter?: string;
  sortBy?: string;
  sortOrder: 'ascending' | 'descending';
  /** Index paging (1-based); absent when the client pages by cursor. */
  startIndex?: number;
  /** RFC 9865: the empty string asks for the first page. */
  cursor?: string;
  count: number;
  attributes: string[];
  excludedAttributes: string[];
}

type Raw = Record<string, unknown>;

/** Reads list parameters from a query string object or a `/.search` body (RFC 7644 §3.4.3); names are case-insensitive. */
export function parseListQuery(input: Raw, limits: PagingLimits): ListQuery {
  // Each name once, lower-cased; where a client sent one name in two spellings, the first counts.
  const byName = new Map<string, unknown>();
  for (const key of Object.keys(input)) {
    const name = key.toLowerCase();
    if (!byName.has(name)) byName.set(name, input[key]);
  }
  const get = (name: string): unknown => byName.get(name.toLowerCase());
  const text = (name: string): string | undefined => {
    const value = get(name);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw ScimError.invalidValue(`${name} must be a string`);
    return value;
  };
  const integer = (name: string): number | undefined => {
    const value = get(name);
    if (value === undefined || value === null || value === '') return undefined;
    const n = typeof value === 'number' ? value : Number(value);
    if (!Number.isInteger(n)) throw ScimError.invalidValue(`${name} must be an integer`);
    return n;
  };
  const list = (name: string): string[] => {
    const value = get(name);
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) && typeof value !== 'string')
      throw ScimError.invalidValue(`${name} must be a list`);
    const items = Array.isArray(value)
      ? value.map((v) => (typeof v === 'string' ? v : ''))
      : splitAttributeList(value);
    return items.map(withoutValueFilter).filter(Boolean);
  };

  const sortOrderText = text('sortOrder')?.toLowerCase();
  if (sortOrderText !== undefined && sortOrderText !== 'ascending' && sortOrderText !== 'descending') {
    throw ScimError.invalidValue('sortOrder must be "ascending" or "descending"');
  }
  // RFC 7644 §3.4.2.4: a negative count is treated as 0; above the maximum, the server caps it.
  const requested = integer('count');
  const count = Math.min(Math.max(requested ?? limits.defaultCount, 0), limits.maxCount);
  const cursor = text('cursor');
  const startIndexValue = integer('startIndex');
  if (cursor !== undefined && startIndexValue !== undefined) {
    throw ScimError.invalidValue('use either cursor or startIndex, not both (RFC 9865 §2)');
  }
  const filter = text('filter');
  const sortBy = text('sortBy');
  return {
    ...(filter !== undefined && filter.trim() !== '' ? { filter } : {}),
    ...(sortBy !== undefined && sortBy.trim() !== '' ? { sortBy: sortBy.trim() } : {}),
    sortOrder: sortOrderText ?? 'ascending',
    // RFC 7644 §3.4.2.4: a startIndex below 1 is interpreted as 1.
    ...(cursor === undefined ? { startIndex: Math.max(startIndexValue ?? 1, 1) } : { cursor }),
    count,
    attributes: list('attributes'),
    excludedAttributes: list('excludedAttributes'),
  };
}

export interface ListPage<R = Record<string, unknown>> {
  resources: R[];
  totalResults: number;
  startIndex?: number;
  nextCursor?: string;
  previousCursor?: string;
}

export function toListResponse(page: ListPage): Record<string, unknown> {
  return {
    schemas: [LIST_RESPONSE_SCHEMA],
    totalResults: page.totalResults,
    itemsPerPage: page.resources.length,
    ...(page.startIndex !== undefined ? { startIndex: page.startIndex } : {}),
    ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}),
    ...(page.previousCursor !== undefined ? { previousCursor: page.previousCursor } : {}),
    Resources: page.resources,
  };
}

const COMMA = Buffer.from(',');
const END = Buffer.from(']}');

/**
 * {@link toListResponse} as UTF-8 JSON, around resources that already are JSON text. Each resource is encoded on
 * its own and the bytes are concatenated: joining a page's texts into one string and encoding that cost several
 * times more (a page of 100 users in 30 groups each, 680 kB: 4.5 ms to join the strings, 6.7 ms with encoding the
 * result, 0.9 ms this way; the strings are built of shared pieces, which the join copies slowly).
 */
export function toListResponseBytes(page: ListPage<string>): Buffer {
  const { resources, ...rest } = page;
  // `Resources` comes last: the envelope's text ends with `[]}`, which the resources go into.
  const envelope = JSON.stringify({
    ...toListResponse({ ...rest, resources: [] }),
    itemsPerPage: resources.length,
  });
  const parts = [Buffer.from(envelope.slice(0, -2))];
  resources.forEach((resource, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(Buffer.from(resource));
  });
  parts.push(END);
  return Buffer.concat(parts);
}

/** Splits `a,b[c eq "x,y"],d` on the commas outside brackets and quotes. */
function splitAttributeList(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' && text[i - 1] !== '\\') quoted = !quoted;
    else if (!quoted && c === '[') depth++;
    else if (!quoted && c === ']') depth = Math.max(0, depth - 1);
    else if (!quoted && depth === 0 && c === ',') {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/**
 * `attributes=emails[type eq "work"]` (sent by Microsoft's test collection) names the attribute `emails`: RFC 7644
 * §3.4.2.5 takes attribute names only, so the value filter is dropped and the whole attribute is returned.
 */
function withoutValueFilter(name: string): string {
  return name.replace(/\[[^\]]*\]/g, '').trim();
}
