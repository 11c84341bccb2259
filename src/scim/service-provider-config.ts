/**
 * The ServiceProviderConfig resource (RFC 7643 §5). It describes only what this server actually does: a client
 * such as authentik validates it strictly and switches modes on what it says, so an overstatement breaks real
 * provisioning. Every field RFC 7643 §5 marks REQUIRED is present, including `bulk.maxOperations` when bulk is off.
 */
export const SERVICE_PROVIDER_CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';

export interface Capabilities {
  patch: boolean;
  bulk: { supported: boolean; maxOperations: number; maxPayloadSize: number };
  filter: { supported: boolean; maxResults: number };
  sort: boolean;
  etag: boolean;
  changePassword: boolean;
  /** RFC 9865 §4: which paging methods the server offers and their limits. */
  pagination: {
    cursor: boolean;
    index: boolean;
    defaultPaginationMethod: 'cursor' | 'index';
    defaultPageSize: number;
    maxPageSize: number;
    cursorTimeout: number;
  };
}

export function toServiceProviderConfig(
  capabilities: Capabilities,
  location: string,
): Record<string, unknown> {
  return {
    schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
    patch: { supported: capabilities.patch },
    bulk: { ...capabilities.bulk },
    filter: { ...capabilities.filter },
    changePassword: { supported: capabilities.changePassword },
    sort: { supported: capabilities.sort },
    etag: { supported: capabilities.etag },
    pagination: { ...capabilities.pagination },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description:
          'A per-directory bearer token issued by the Roster admin API (rst_scim_...), sent as "Authorization: Bearer <token>".',
        specUri: 'https://www.rfc-editor.org/rfc/rfc6750',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location },
  };
}
