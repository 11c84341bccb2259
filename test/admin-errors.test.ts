import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { ADMIN_ERROR_STATUS } from '../src/http/admin/admin-error.js';

test('docs/errors.md lists exactly the admin error codes the code can send, with their statuses', () => {
  const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
  const documented = Object.fromEntries(
    [...doc.matchAll(/^\|\s*`([a-z_]+)`\s*\|\s*(\d{3})\s*\|/gm)].map((m) => [m[1], Number(m[2])]),
  );
  expect(documented).toEqual(ADMIN_ERROR_STATUS);
});
