/**
 * When a failed delivery is tried again (ARCHITECTURE.md: "the first within 30 s, and back off from there"):
 * exponential from 10 s, doubled per attempt, capped at one hour, with jitter over the upper half so endpoints
 * recovering from an outage are not hit by every sender at once. After 72 hours of failure of one event the
 * webhook is marked failing and waits for an operator.
 */
export const RETRY_WINDOW_MS = 72 * 3_600_000;
const FIRST_DELAY_MS = 10_000;
const MAX_DELAY_MS = 3_600_000;

/** Delay before attempt `failures + 1`, given `failures` consecutive failures (>= 1). */
export function retryDelayMs(failures: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(failures - 1, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
