/** `/audit-log`: the audit trail of one organization (or the platform's, for platform keys). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { selectAuditEntries } from '../../db/audit-store.js';
import type { OrganizationId } from '../../shared/ids.js';
import { canSeeOrganization, requireScope } from '../../tenants/principal.js';
import type { AppContext } from '../app-context.js';
import { principalOf } from '../request-context.js';
import { AdminError } from './admin-error.js';
import { AuditEntry, AuditQuery, errorResponses, listOf } from './admin-schemas.js';
import { auditView, fromCursor, toPage } from './admin-views.js';

export const auditRoutes: FastifyPluginAsyncTypebox<AppContext> = async (app, ctx) => {
  app.get(
    '/audit-log',
    {
      schema: {
        tags: ['audit'],
        querystring: AuditQuery,
        response: { 200: listOf(AuditEntry), ...errorResponses },
      },
    },
    async (request) => {
      const actor = principalOf(request);
      requireScope(actor, 'admin:read');
      const { limit, cursor } = request.query;
      const organizationId = (request.query.organizationId ?? actor.organizationId) as OrganizationId | null;
      if (organizationId !== null && !canSeeOrganization(actor, organizationId)) {
        throw AdminError.notFound('organization');
      }
      const after = fromCursor(cursor, 'integer');
      const rows = await selectAuditEntries(ctx.db.pool, organizationId, {
        after: after === undefined ? undefined : Number(after),
        limit: limit + 1,
      });
      return toPage(rows, limit, (e) => String(e.id), auditView);
    },
  );
};
