/** The tenant a directory operation runs in: every storage call is keyed by both ids. */
import type { DirectoryId, OrganizationId } from '../shared/ids.js';

export interface DirectoryScope {
  readonly organizationId: OrganizationId;
  readonly directoryId: DirectoryId;
}
