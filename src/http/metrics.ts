/**
 * Prometheus metrics, one registry per app instance (never the global one, so several apps can share a process
 * in tests). Route labels are route templates, never raw URLs: bounded cardinality and no ids or filters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Pool } from '../db/database.js';

export interface Metrics {
  readonly registry: Registry;
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly duration: Histogram<'method' | 'route' | 'status'>;
  readonly authFailures: Counter<'surface' | 'reason'>;
  readonly rateLimited: Counter<'surface'>;
  /** Request normalizations applied, by provider profile and normalization name (bounded label values). */
  readonly normalizations: Counter<'provider' | 'normalization'>;
  /** Request inputs Roster did not understand, by provider profile (the paths are per directory, in the API). */
  readonly ignoredInputs: Counter<'provider'>;
}

export function createMetrics(pool: Pool, poolSize: number): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'roster_' });
  const requests = new Counter({
    name: 'roster_http_requests_total',
    help: 'HTTP requests by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'roster_http_request_duration_seconds',
    help: 'HTTP request latency by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const authFailures = new Counter({
    name: 'roster_auth_failures_total',
    help: 'Rejected credentials by surface and reason',
    labelNames: ['surface', 'reason'] as const,
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'roster_rate_limited_total',
    help: 'Requests refused with 429 by surface',
    labelNames: ['surface'] as const,
    registers: [registry],
  });
  const normalizations = new Counter({
    name: 'roster_scim_normalizations_total',
    help: "Normalizations applied to identity providers' SCIM requests, by provider profile and normalization",
    labelNames: ['provider', 'normalization'] as const,
    registers: [registry],
  });
  const ignoredInputs = new Counter({
    name: 'roster_scim_ignored_inputs_total',
    help: 'Attributes in SCIM requests that Roster did not understand, by provider profile',
    labelNames: ['provider'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'roster_db_pool_max_connections',
    help: "Configured size of this node's database connection pool",
    registers: [registry],
    collect() {
      this.set(poolSize);
    },
  });
  new Gauge({
    name: 'roster_db_pool_connections',
    help: "This node's database connections by state: idle, busy (checked out) and waiting (requests queued)",
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'busy' }, pool.totalCount - pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
    },
  });
  return { registry, requests, duration, authFailures, rateLimited, normalizations, ignoredInputs };
}
