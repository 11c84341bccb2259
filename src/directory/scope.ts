/** The tenant a directory operation runs in: every storage call is keyed by both ids. */
import type { Executor } from '../db/database.js';
import { selectDirectory } from '../db/organization-store.js';
import type { DirectoryId, OrganizationId } from '../shared/ids.js';
import type { Principal } from '../tenants/principal.js';

export interface DirectoryScope {
  readonly organizationId: OrganizationId;
  readonly directoryId: DirectoryId;
}

/** The scope of a directory the admin `actor` may see; `undefined` (rendered 404) for any other. */
export async function visibleScope(
  db: Executor,
  actor: Principal,
  directoryId: DirectoryId,
): Promise<DirectoryScope | undefined> {
  const directory = await selectDirectory(db, directoryId, actor.organizationId ?? undefined);
  return directory && { organizationId: directory.organizationId, directoryId: directory.id };
}
