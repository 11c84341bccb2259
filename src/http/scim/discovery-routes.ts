/** SCIM discovery endpoints (RFC 7644 §4). */
import type { FastifyInstance } from 'fastify';
import { type Capabilities, toServiceProviderConfig } from '../../scim/service-provider-config.js';
import type { AppContext } from '../app-context.js';
import { principalOf } from '../request-context.js';

/** What this build of Roster implements; each flag turns on with the feature, never before. */
export const CAPABILITIES: Capabilities = {
  patch: false,
  bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
  filter: { supported: false, maxResults: 0 },
  sort: false,
  etag: false,
  changePassword: false,
};

export async function discoveryRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/:directoryId/ServiceProviderConfig', (request) => {
    const { directoryId } = principalOf(request);
    return toServiceProviderConfig(
      CAPABILITIES,
      `${ctx.config.publicUrl}/scim/v2/${directoryId}/ServiceProviderConfig`,
    );
  });
}
