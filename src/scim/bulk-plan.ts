/**
 * The order in which a bulk request's operations run. RFC 7644 §3.7 lets the service provider reorder
 * ("MAY elect to optimize the sequence of operations ... MUST ensure that the client's intent is preserved and
 * the same stateful result is achieved"): an operation that references `bulkId:x` runs after the POST that
 * defines `x`, wherever the client put it (a group POSTed before its members). Everything else keeps the
 * client's order: the plan is the request order, moved only as far as references require.
 *
 * Circular references (RFC 7644 §3.7.1: "The service provider MUST try to resolve circular cross-references
 * between resources in a single bulk job but MAY stop after a failed attempt and instead return HTTP status code
 * 409 (Conflict)") can only join POSTs, the only operations that define a bulkId. The POSTs of one cycle form one
 * `cycle` step, which the use case resolves in one transaction: create each without the references it cannot
 * resolve yet, then apply them; if any fails, none is kept and the others answer 409.
 *
 * Consecutive POSTs of Users that reference nothing in their own run are one `createUsers` step, so the database
 * work is set-based; its outcomes are those of the same POSTs one after another.
 */
import { type BulkOperation, type BulkRequest, type InvalidBulkOperation, isInvalid } from './bulk.js';
import { ScimError } from './scim-error.js';

export type BulkStep =
  | { readonly kind: 'invalid'; readonly op: InvalidBulkOperation }
  | { readonly kind: 'single'; readonly op: BulkOperation }
  | { readonly kind: 'createUsers'; readonly ops: readonly BulkOperation[] }
  | { readonly kind: 'cycle'; readonly ops: readonly BulkOperation[] };

type Node = BulkOperation | InvalidBulkOperation;

/** Orders the operations of `request` into steps; every operation appears in exactly one step. */
export function planBulk(request: BulkRequest): BulkStep[] {
  const defined = new Map<string, number>();
  const failed = new Set<string>();
  for (const op of request.operations) {
    if (op.method !== 'POST' || op.bulkId === undefined) continue;
    if (isInvalid(op)) failed.add(op.bulkId);
    else defined.set(op.bulkId, op.index);
  }
  const nodes: Node[] = request.operations.map((op) => {
    if (isInvalid(op)) return op;
    const unknown = op.references.find((ref) => !defined.has(ref));
    if (unknown === undefined) return op;
    return {
      index: op.index,
      method: op.method,
      ...(op.bulkId !== undefined ? { bulkId: op.bulkId } : {}),
      error: ScimError.unresolvedBulkId(
        failed.has(unknown)
          ? `bulkId "${unknown}" names an operation that failed`
          : `no POST operation in this request has bulkId "${unknown}"`,
      ),
    };
  });
  // Edges from an operation to the POSTs it references (indices into `nodes`, which are request positions).
  const dependsOn = nodes.map((node) =>
    isInvalid(node) ? [] : node.references.map((ref) => defined.get(ref)!),
  );
  const components = stronglyConnected(nodes.length, dependsOn);
  const order = orderComponents(components, dependsOn);

  const steps: BulkStep[] = [];
  let batch: BulkOperation[] = [];
  const inBatch = new Set<number>();
  const closeBatch = () => {
    if (batch.length === 1) steps.push({ kind: 'single', op: batch[0]! });
    else if (batch.length > 1) steps.push({ kind: 'createUsers', ops: batch });
    batch = [];
    inBatch.clear();
  };
  for (const component of order) {
    const first = nodes[component[0]!]!;
    const selfLoop = component.length === 1 && dependsOn[component[0]!]!.includes(component[0]!);
    if (component.length > 1 || selfLoop) {
      closeBatch();
      steps.push({ kind: 'cycle', ops: component.map((i) => nodes[i] as BulkOperation) });
    } else if (isInvalid(first)) {
      closeBatch();
      steps.push({ kind: 'invalid', op: first });
    } else if (first.method === 'POST' && first.resourceType === 'User') {
      if (dependsOn[first.index]!.some((i) => inBatch.has(i))) closeBatch();
      batch.push(first);
      inBatch.add(first.index);
    } else {
      closeBatch();
      steps.push({ kind: 'single', op: first });
    }
  }
  closeBatch();
  return steps;
}

/** Tarjan's algorithm, iterative; each component's members sorted by request position. */
function stronglyConnected(n: number, edges: readonly (readonly number[])[]): number[][] {
  const index = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const onStack = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  const components: number[][] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const work: { node: number; next: number }[] = [{ node: root, next: 0 }];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = true;
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const out = edges[frame.node]!;
      if (frame.next < out.length) {
        const to = out[frame.next++]!;
        if (index[to] === -1) {
          index[to] = low[to] = counter++;
          stack.push(to);
          onStack[to] = true;
          work.push({ node: to, next: 0 });
        } else if (onStack[to]) {
          low[frame.node] = Math.min(low[frame.node]!, index[to]!);
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low[parent.node] = Math.min(low[parent.node]!, low[frame.node]!);
      if (low[frame.node] === index[frame.node]) {
        const component: number[] = [];
        let member: number;
        do {
          member = stack.pop()!;
          onStack[member] = false;
          component.push(member);
        } while (member !== frame.node);
        components.push(component.sort((a, b) => a - b));
      }
    }
  }
  return components;
}

/**
 * The components in dependency order (a component after every component it references), and otherwise in
 * request order: among the components whose dependencies have all run, the one with the earliest operation
 * goes next (Kahn's algorithm with the request position as priority).
 */
function orderComponents(components: number[][], edges: readonly (readonly number[])[]): number[][] {
  const componentOf = new Map<number, number>();
  components.forEach((members, c) => members.forEach((m) => componentOf.set(m, c)));
  const waitingOn = components.map(() => new Set<number>());
  const dependents = components.map(() => new Set<number>());
  components.forEach((members, c) => {
    for (const m of members) {
      for (const to of edges[m]!) {
        const d = componentOf.get(to)!;
        if (d !== c) {
          waitingOn[c]!.add(d);
          dependents[d]!.add(c);
        }
      }
    }
  });
  const ready = components.map((_, c) => c).filter((c) => waitingOn[c]!.size === 0);
  const order: number[][] = [];
  while (ready.length > 0) {
    // At most 1,000 operations: a linear scan for the earliest is cheap enough.
    let best = 0;
    for (let i = 1; i < ready.length; i++) {
      if (components[ready[i]!]![0]! < components[ready[best]!]![0]!) best = i;
    }
    const c = ready.splice(best, 1)[0]!;
    order.push(components[c]!);
    for (const d of dependents[c]!) {
      waitingOn[d]!.delete(c);
      if (waitingOn[d]!.size === 0) ready.push(d);
    }
  }
  return order;
}
