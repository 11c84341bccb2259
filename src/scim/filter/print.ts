/**
 * The canonical text of a filter AST: lowercase operators, JSON-encoded strings, single spaces, and parentheses
 * only where precedence (`not` > `and` > `or`, left-associative) needs them, so `parseScimFilter` gives back the
 * same AST. Used in logs, error details and tests.
 */
import type { AttributePath, CompareValue, Filter, LogicalOp } from './ast.js';

/** Prints `filter` so that `parseScimFilter(printScimFilter(filter))` deep-equals `filter`. */
export function printScimFilter(filter: Filter): string {
  switch (filter.kind) {
    case 'compare':
      return `${printAttributePath(filter.path)} ${filter.op} ${printValue(filter.value)}`;
    case 'present':
      return `${printAttributePath(filter.path)} pr`;
    case 'not':
      return `not (${printScimFilter(filter.filter)})`;
    case 'valuePath':
      return `${printAttributePath(filter.path)}[${printScimFilter(filter.filter)}]`;
    case 'logical':
      return [
        operand(filter.left, filter.op, 'left'),
        filter.op,
        operand(filter.right, filter.op, 'right'),
      ].join(' ');
  }
}

/** `[schema ":"] name ["." subAttribute]`. */
export function printAttributePath(path: AttributePath): string {
  const qualified = path.schema === undefined ? path.name : `${path.schema}:${path.name}`;
  return path.subAttribute === undefined ? qualified : `${qualified}.${path.subAttribute}`;
}

// Parenthesises an `or` under an `and`, and a right operand of the same operator (parsing is left-assoc).
function operand(filter: Filter, parent: LogicalOp, side: 'left' | 'right'): string {
  const text = printScimFilter(filter);
  if (filter.kind !== 'logical') return text;
  const needed = (parent === 'and' && filter.op === 'or') || (side === 'right' && filter.op === parent);
  return needed ? `(${text})` : text;
}

function printValue(value: CompareValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value !== 'number') return String(value);
  if (!Number.isFinite(value)) throw new RangeError(`a SCIM filter cannot hold the number ${value}`);
  return Object.is(value, -0) ? '-0' : String(value);
}
