/** A SCIM client bound to one directory and token, as an identity provider would call Roster. */
import { type HttpResult, http } from './test-app.js';

export interface ScimClient {
  readonly base: string;
  get(path: string, headers?: Record<string, string>): Promise<HttpResult>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<HttpResult>;
  put(path: string, body: unknown, headers?: Record<string, string>): Promise<HttpResult>;
  patch(path: string, body: unknown, headers?: Record<string, string>): Promise<HttpResult>;
  delete(path: string, headers?: Record<string, string>): Promise<HttpResult>;
}

export function scimClient(url: string, directoryId: string, token: string): ScimClient {
  const base = `${url}/scim/v2/${directoryId}`;
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    http(`${base}${path}`, {
      method,
      key: token,
      ...(body === undefined ? {} : { body }),
      headers: body === undefined ? headers : { 'content-type': 'application/scim+json', ...headers },
    });
  return {
    base,
    get: (path, headers) => call('GET', path, undefined, headers),
    post: (path, body, headers) => call('POST', path, body, headers),
    put: (path, body, headers) => call('PUT', path, body, headers),
    patch: (path, body, headers) => call('PATCH', path, body, headers),
    delete: (path, headers) => call('DELETE', path, undefined, headers),
  };
}

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export function userBody(userName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemas: [USER_SCHEMA],
    userName,
    name: { givenName: 'Barbara', familyName: 'Jensen' },
    emails: [
      { value: userName.includes('@') ? userName : `${userName}@example.com`, type: 'work', primary: true },
    ],
    active: true,
    ...extra,
  };
}
