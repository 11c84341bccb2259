// Pure unit tests (no database, no build): `npx vitest run --config vitest.unit.config.ts src/scim`.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { include: ['src/**/*.test.ts'], pool: 'threads', allowOnly: !process.env.CI },
});
