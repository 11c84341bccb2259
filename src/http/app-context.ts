/** What the HTTP scopes need from the process: built once in `buildApp` and handed to every plugin. */
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { Metrics } from './metrics.js';
import type { RateLimiter } from './rate-limiter.js';

export interface AppContext {
  readonly config: Config;
  readonly db: Database;
  readonly metrics: Metrics;
  readonly rateLimiter: RateLimiter;
  readonly now: () => Date;
  /** PUBLIC_URL, or when it is unset the address the server actually listens on (PORT=0 included). */
  readonly publicUrl: () => string;
}
