/** What the HTTP scopes need from the process: built once in `buildApp` and handed to every plugin. */
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { SecretBox } from '../shared/secret-box.js';
import type { DirectoryModels } from '../directory/directory-model.js';
import type { ToleranceRecorder } from '../directory/tolerance-recorder.js';
import type { CredentialCache } from '../tenants/credential-cache.js';
import type { Metrics } from './metrics.js';
import type { RateLimiter } from './rate-limiter.js';

export interface AppContext {
  readonly config: Config;
  readonly db: Database;
  readonly metrics: Metrics;
  readonly rateLimiter: RateLimiter;
  readonly credentialCache: CredentialCache;
  /** Each directory's schemas, cached by model version. */
  readonly models: DirectoryModels;
  /** Per-directory counters of normalizations applied and inputs ignored. */
  readonly tolerance: ToleranceRecorder;
  readonly now: () => Date;
  /** Seals and opens webhook signing secrets. */
  readonly secretBox: SecretBox;
  /** PUBLIC_URL, or when it is unset the address the server actually listens on (PORT=0 included). */
  readonly publicUrl: () => string;
}
