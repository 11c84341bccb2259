/** `npm run bench -- [suite...]`: runs benchmark suites and writes JSON results to bench/results/. */
import { bulkBench } from './bulk-bench.js';
import { ceilingBench } from './ceiling-bench.js';
import { driverBench } from './driver-bench.js';
import { extensionBench } from './extension-bench.js';
import { readBench } from './read-bench.js';
import { scimBench } from './scim-bench.js';
import { webhookBench } from './webhook-bench.js';
import { wrkBench } from './wrk-bench.js';

const SUITES: Record<string, () => Promise<void>> = {
  scim: scimBench,
  bulk: bulkBench,
  driver: driverBench,
  read: readBench,
  ceiling: ceilingBench,
  webhooks: webhookBench,
  extensions: extensionBench,
  wrk: wrkBench,
};

const requested = process.argv.slice(2);
const names = requested.length > 0 ? requested : Object.keys(SUITES);
for (const name of names) {
  const suite = SUITES[name];
  if (!suite) {
    console.error(`unknown suite "${name}"; known: ${Object.keys(SUITES).join(', ')}`);
    process.exit(2);
  }
  console.log(`=== ${name} ===`);
  await suite();
}
