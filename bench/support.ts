/** Shared benchmark plumbing: a closed-loop load runner, percentiles, machine facts and JSON results. */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface LoadResult {
  name: string;
  requests: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * Runs `op` from `concurrency` workers until `durationMs` has passed or `maxOps` operations have been started.
 * Latency is measured per operation with a monotonic clock.
 */
export async function runLoad(
  name: string,
  options: { concurrency: number; durationMs?: number; maxOps?: number },
  op: (i: number) => Promise<void>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let started = 0;
  const t0 = performance.now();
  const deadline = t0 + (options.durationMs ?? Infinity);
  const max = options.maxOps ?? Infinity;
  const worker = async (): Promise<void> => {
    while (started < max && performance.now() < deadline) {
      const i = started++;
      const s = performance.now();
      try {
        await op(i);
        latencies.push(performance.now() - s);
      } catch (error) {
        errors++;
        if (errors <= 3) console.error(`${name}: ${String(error)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number =>
    round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0);
  const result = {
    name,
    requests: latencies.length,
    errors,
    seconds: round(seconds),
    perSecond: Math.round(latencies.length / seconds),
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
  };
  console.log(
    `${name.padEnd(44)} ${String(result.perSecond).padStart(7)}/s  p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms  (${result.requests} ok, ${errors} errors)`,
  );
  return result;
}

export function machine() {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.platform()}-${os.arch()}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  };
}

export function writeResults(suite: string, data: Record<string, unknown>): string {
  const dir = path.join('bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${suite}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ suite, at: new Date().toISOString(), machine: machine(), ...data }, null, 2)}\n`,
  );
  console.log(`results: ${file}`);
  return file;
}

const round = (n: number): number => Math.round(n * 100) / 100;
