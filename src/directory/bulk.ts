/**
 * The Bulk use case (RFC 7644 §3.7): runs a planned BulkRequest against the user and group use cases.
 *
 * Every operation commits on its own (or with the rest of its `createUsers` batch or its cycle) before the next
 * runs, so an operation reported as succeeded is committed and a failed one changed nothing; "the service
 * provider MUST continue performing as many changes as possible and disregard partial failures" unless
 * `failOnErrors` stops the run, after which nothing more runs or is reported.
 */
import { type Pool, transaction } from '../db/database.js';
import {
  type BulkOperation,
  type BulkRequest,
  type BulkResourceType,
  type InvalidBulkOperation,
  resolveReferences,
  withoutReferences,
} from '../scim/bulk.js';
import type { Tolerance } from '../scim/normalizations.js';
import { type BulkStep, planBulk } from '../scim/bulk-plan.js';
import { ScimError } from '../scim/scim-error.js';
import * as groups from './groups.js';
import type { GroupResult } from './groups.js';
import type { DirectoryModel } from './directory-model.js';
import type { DirectoryScope } from './scope.js';
import * as users from './users.js';
import type { UserResult } from './users.js';

/** What one operation did, in the terms the BulkResponse needs; `resource` is set on success but for DELETE. */
export interface BulkResult {
  readonly index: number;
  readonly method?: string;
  readonly bulkId?: string;
  readonly resourceType?: BulkResourceType;
  /** The resource's id, when known (for `location`). */
  readonly id?: string;
  readonly status: number;
  readonly resource?: { kind: 'User'; result: UserResult } | { kind: 'Group'; result: GroupResult };
  readonly error?: ScimError;
  /** The unexpected error behind a 500, for the caller to log. */
  readonly cause?: unknown;
}

/** Runs `request` and returns the results of the operations that ran, in request order. */
export async function runBulk(
  pool: Pool,
  scope: DirectoryScope,
  model: DirectoryModel,
  request: BulkRequest,
  tolerance: Tolerance,
): Promise<BulkResult[]> {
  const run = new BulkRun(pool, scope, model, tolerance);
  const allowed = request.failOnErrors ?? Infinity;
  const results: BulkResult[] = [];
  let errors = 0;
  steps: for (const step of planBulk(request)) {
    for (const result of await run.step(step, allowed - errors)) {
      results.push(result);
      // RFC 7644 §3.7: failOnErrors is "the number of errors that the service provider will accept before the
      // operation is terminated"; what would have run after that is neither run nor reported.
      if (result.error && ++errors >= allowed) break steps;
    }
  }
  return results.sort((a, b) => a.index - b.index);
}

class BulkRun {
  /** bulkId → the id of the resource its POST created (RFC 7644 §3.7.2). */
  private readonly created = new Map<string, string>();

  constructor(
    private readonly pool: Pool,
    private readonly scope: DirectoryScope,
    private readonly model: DirectoryModel,
    private readonly tolerance: Tolerance,
  ) {}

  async step(step: BulkStep, allowedErrors: number): Promise<BulkResult[]> {
    switch (step.kind) {
      case 'invalid':
        return [failed(step.op, step.op.error)];
      case 'single':
        return [await this.single(step.op)];
      case 'createUsers':
        return this.createUsers(step.ops, allowedErrors);
      case 'cycle':
        return this.cycle(step.ops);
    }
  }

  private readonly idOf = (bulkId: string): string | undefined => this.created.get(bulkId);

  private async single(op: BulkOperation): Promise<BulkResult> {
    let id: string | undefined = op.target && 'id' in op.target ? op.target.id : undefined;
    try {
      const data = resolveReferences(op.data, this.idOf);
      if (op.target && 'bulkId' in op.target)
        id = resolveReferences(`bulkId:${op.target.bulkId}`, this.idOf) as string;
      const { pool, scope, model, tolerance } = this;
      if (op.method === 'POST') {
        const resource =
          op.resourceType === 'User'
            ? { kind: 'User' as const, result: await users.createUser(pool, scope, model, data, tolerance) }
            : {
                kind: 'Group' as const,
                result: await groups.createGroup(pool, scope, model, data, tolerance),
              };
        return this.succeeded(op, 201, resource);
      }
      const target = id!;
      const notFound = () => ScimError.notFound(`${op.resourceType} ${target} not found`);
      if (op.method === 'DELETE') {
        const deleted =
          op.resourceType === 'User'
            ? await users.deleteUser(pool, scope, model, target, op.version)
            : await groups.deleteGroup(pool, scope, target, op.version);
        if (!deleted) throw notFound();
        return { ...echo(op), resourceType: op.resourceType, id: target, status: 204 };
      }
      const put = op.method === 'PUT';
      const resource =
        op.resourceType === 'User'
          ? await (put ? users.replaceUser : users.patchUser)(
              pool,
              scope,
              model,
              target,
              data,
              op.version,
              tolerance,
            ).then((result) => result && { kind: 'User' as const, result })
          : await (put ? groups.replaceGroup : groups.patchGroup)(
              pool,
              scope,
              model,
              target,
              data,
              op.version,
              tolerance,
            ).then((result) => result && { kind: 'Group' as const, result });
      if (!resource) throw notFound();
      return this.succeeded(op, 200, resource);
    } catch (error) {
      return failed(op, error, id);
    }
  }

  /** Consecutive independent POSTs of Users: one transaction, set-based (see `users.createUsers`). */
  private async createUsers(ops: readonly BulkOperation[], allowedErrors: number): Promise<BulkResult[]> {
    const bodies: unknown[] = [];
    const unresolved = new Map<number, unknown>();
    for (const [i, op] of ops.entries()) {
      try {
        bodies.push(resolveReferences(op.data, this.idOf));
      } catch (error) {
        // An invalid body is skipped by `createUsers` like any other failing body.
        unresolved.set(i, error);
        bodies.push(undefined);
      }
    }
    let outcomes: (UserResult | ScimError)[];
    try {
      outcomes = await users.createUsers(
        this.pool,
        this.scope,
        this.model,
        bodies,
        this.tolerance,
        allowedErrors,
      );
    } catch (error) {
      return ops.map((op) => failed(op, error));
    }
    return outcomes.map((outcome, i) => {
      const op = ops[i]!;
      const error = unresolved.get(i) ?? (outcome instanceof ScimError ? outcome : undefined);
      if (error !== undefined) return failed(op, error);
      return this.succeeded(op, 201, { kind: 'User', result: outcome as UserResult });
    });
  }

  /**
   * RFC 7644 §3.7.1: POSTs that reference each other. In one transaction, each is created without the references
   * to resources that do not exist yet; then each of those is rewritten with its whole body (a PUT of what was
   * POSTed, so the stored state is what the POST asked for). If any fails, the transaction rolls back: the
   * failing operation reports its error and the others 409.
   */
  private async cycle(ops: readonly BulkOperation[]): Promise<BulkResult[]> {
    const { scope, model, tolerance } = this;
    const createdHere = new Map<string, string>();
    const idOf = (bulkId: string) => this.created.get(bulkId) ?? createdHere.get(bulkId);
    const pending = new Set(ops.map((op) => op.bulkId!));
    let failing: { op: BulkOperation; error: unknown } | undefined;
    let results: BulkResult[] = [];
    try {
      results = await transaction(this.pool, async (tx) => {
        const written = new Map<number, BulkResult['resource']>();
        const deferred: BulkOperation[] = [];
        for (const op of ops) {
          pending.delete(op.bulkId!);
          try {
            const partial = withoutReferences(op.data, new Set([...pending, op.bulkId!]));
            if (JSON.stringify(partial) !== JSON.stringify(op.data)) deferred.push(op);
            const data = resolveReferences(partial, idOf);
            const resource =
              op.resourceType === 'User'
                ? {
                    kind: 'User' as const,
                    result: await users.createUserIn(tx, scope, model, data, tolerance),
                  }
                : {
                    kind: 'Group' as const,
                    result: await groups.createGroupIn(tx, scope, model, data, tolerance),
                  };
            createdHere.set(op.bulkId!, resource.result.row.id);
            written.set(op.index, resource);
          } catch (error) {
            failing = { op, error };
            throw error;
          }
        }
        for (const op of deferred) {
          try {
            const data = resolveReferences(op.data, idOf);
            const id = createdHere.get(op.bulkId!)!;
            const result =
              op.resourceType === 'User'
                ? await users.replaceUserIn(tx, scope, model, id, data, undefined, tolerance)
                : await groups.replaceGroupIn(tx, scope, model, id, data, undefined, tolerance);
            written.set(
              op.index,
              op.resourceType === 'User'
                ? { kind: 'User', result: result as UserResult }
                : { kind: 'Group', result: result as GroupResult },
            );
          } catch (error) {
            failing = { op, error };
            throw error;
          }
        }
        return ops.map((op) => ({
          ...echo(op),
          resourceType: op.resourceType,
          id: createdHere.get(op.bulkId!)!,
          status: 201,
          ...(written.get(op.index) ? { resource: written.get(op.index)! } : {}),
        }));
      });
    } catch (error) {
      const cause = failing ?? { op: ops[0]!, error };
      return ops.map((op) =>
        op === cause.op
          ? failed(op, cause.error)
          : failed(
              op,
              ScimError.unresolvedBulkId(
                `the circular reference between bulkIds ${ops.map((o) => `"${o.bulkId}"`).join(', ')} could not be resolved: Operations[${cause.op.index}] failed`,
              ),
            ),
      );
    }
    for (const [bulkId, id] of createdHere) this.created.set(bulkId, id);
    return results;
  }

  private succeeded(
    op: BulkOperation,
    status: number,
    resource: NonNullable<BulkResult['resource']>,
  ): BulkResult {
    const id = resource.result.row.id;
    if (op.method === 'POST' && op.bulkId !== undefined) this.created.set(op.bulkId, id);
    return { ...echo(op), resourceType: op.resourceType, id, status, resource };
  }
}

const echo = (op: BulkOperation | InvalidBulkOperation) => ({
  index: op.index,
  ...(op.method !== undefined ? { method: op.method } : {}),
  ...(op.bulkId !== undefined ? { bulkId: op.bulkId } : {}),
});

/** A failed operation: its `ScimError`, or a 500 carrying the unexpected cause. */
function failed(op: BulkOperation | InvalidBulkOperation, error: unknown, id?: string): BulkResult {
  const known = error instanceof ScimError;
  return {
    ...echo(op),
    ...('resourceType' in op ? { resourceType: op.resourceType } : {}),
    // RFC 7644 §3.7.3: every operation but a failed POST reports its location.
    ...(id !== undefined && op.method !== 'POST' ? { id } : {}),
    status: known ? error.status : 500,
    error: known ? error : ScimError.internal('internal error'),
    ...(known ? {} : { cause: error }),
  };
}
