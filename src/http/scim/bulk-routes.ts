/**
 * `POST /Bulk` (RFC 7644 §3.7). Thin: parse the BulkRequest, run it, render the BulkResponse. The route has its
 * own body limit, `maxPayloadSize`, whatever `ROSTER_BODY_LIMIT_BYTES` says for the other routes, so a larger
 * payload is the 413 `tooLarge` RFC 7644 §3.7.4 describes rather than the generic body-limit error.
 */
import type { FastifyInstance } from 'fastify';
import { type BulkResult, runBulk } from '../../directory/bulk.js';
import { BULK_LIMITS, type BulkOperationResult, parseBulkRequest, toBulkResponse } from '../../scim/bulk.js';
import type { DirectoryModel } from '../../directory/directory-model.js';
import { directoryModelOf } from '../request-context.js';
import { projectResource } from '../../scim/projection.js';
import { etagOf, toScimGroup, toScimUser } from '../../scim/render.js';
import { ScimError } from '../../scim/scim-error.js';
import type { AppContext } from '../app-context.js';
import { directoryScopeOf, toleranceOf } from './scim-request.js';

export async function bulkRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post(
    '/:directoryId/Bulk',
    {
      bodyLimit: BULK_LIMITS.maxPayloadSize,
      config: {
        scimScope: 'scim:write',
        bodyTooLarge: () =>
          ScimError.bulkTooLarge(
            `the bulk request is larger than maxPayloadSize (${BULK_LIMITS.maxPayloadSize} bytes)`,
          ),
      },
    },
    async (request) => {
      const scope = directoryScopeOf(request);
      const bulk = parseBulkRequest(request.body);
      const model = directoryModelOf(request);
      const results = await runBulk(ctx.db.pool, scope, model, bulk, toleranceOf(ctx, request));
      const baseUrl = `${ctx.publicUrl()}/scim/v2/${scope.directoryId}`;
      for (const r of results) {
        if (r.cause !== undefined) request.log.error({ err: r.cause }, 'bulk operation failed');
      }
      return toBulkResponse(results.map((r) => toOperationResult(r, baseUrl, model)));
    },
  );
}

function toOperationResult(r: BulkResult, baseUrl: string, model: DirectoryModel): BulkOperationResult {
  const endpoint = r.resourceType === 'Group' ? 'Groups' : 'Users';
  const resource = r.resource;
  return {
    ...(r.method !== undefined ? { method: r.method } : {}),
    ...(r.bulkId !== undefined ? { bulkId: r.bulkId } : {}),
    ...(resource ? { version: etagOf(resource.result.row.version) } : {}),
    ...(r.id !== undefined && r.resourceType ? { location: `${baseUrl}/${endpoint}/${r.id}` } : {}),
    status: r.status,
    // The resource as the single request would have answered it, so a client needs no read-back.
    ...(r.error
      ? { response: r.error.toBody() }
      : resource?.kind === 'User'
        ? {
            response: projectResource(
              toScimUser(resource.result.row, resource.result.groups, baseUrl),
              model.schemas.user,
            ),
          }
        : resource?.kind === 'Group'
          ? {
              response: projectResource(
                toScimGroup(resource.result.row, resource.result.members, baseUrl),
                model.schemas.group,
              ),
            }
          : {}),
  };
}
