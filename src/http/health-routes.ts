/** Liveness, readiness and Prometheus metrics, outside every authenticated scope. */
import type { FastifyInstance } from 'fastify';
import { isMigrated } from '../db/migrate.js';
import type { AppContext } from './app-context.js';

export async function healthRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/healthz', () => ({ status: 'ok' }));

  app.get('/readyz', async (request, reply) => {
    try {
      if (await isMigrated(ctx.db.pool)) return { status: 'ready', database: ctx.db.kind };
      return reply.status(503).send({ status: 'migrations pending' });
    } catch (error) {
      request.log.warn({ err: error }, 'readiness check failed');
      return reply.status(503).send({ status: 'database unreachable' });
    }
  });

  app.get('/metrics', async (_request, reply) => {
    const body = await ctx.metrics.registry.metrics();
    return reply.header('content-type', ctx.metrics.registry.contentType).send(body);
  });
}
