/** SCIM discovery endpoints (RFC 7644 §4). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BULK_LIMITS } from '../../scim/bulk.js';
import { type Capabilities, toServiceProviderConfig } from '../../scim/service-provider-config.js';
import type { AppContext } from '../app-context.js';
import { PAGING } from './resource-routes.js';
import { principalOf } from '../request-context.js';

/** What this build of Roster implements; each flag turns on with the feature, never before. */
export const CAPABILITIES: Capabilities = {
  patch: true,
  bulk: { supported: true, ...BULK_LIMITS },
  filter: { supported: true, maxResults: PAGING.maxCount },
  sort: true,
  etag: true,
  // `password` is accepted and discarded (docs/scim.md): there is nothing to change.
  changePassword: false,
  pagination: {
    cursor: true,
    index: true,
    defaultPaginationMethod: 'index',
    defaultPageSize: PAGING.defaultCount,
    maxPageSize: PAGING.maxCount,
    // Keyset cursors do not expire; this is the longest a client may rely on one (seconds).
    cursorTimeout: 3600,
  },
};

export async function discoveryRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const serviceProviderConfig = (request: FastifyRequest) => {
    const { directoryId } = principalOf(request);
    return toServiceProviderConfig(
      CAPABILITIES,
      `${ctx.publicUrl()}/scim/v2/${directoryId}/ServiceProviderConfig`,
    );
  };
  app.get('/:directoryId/ServiceProviderConfig', serviceProviderConfig);
  // The pre-RFC name that Microsoft's SCIM test collection (and old Entra builds) still request.
  app.get('/:directoryId/serviceConfiguration', serviceProviderConfig);
}
