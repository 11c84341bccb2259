/** What a SCIM route needs from its authenticated request: the directory it runs in and the profile's tolerance. */
import type { FastifyRequest } from 'fastify';
import type { DirectoryScope } from '../../directory/scope.js';
import type { Tolerance } from '../../scim/normalizations.js';
import type { DirectoryId, OrganizationId } from '../../shared/ids.js';
import { profileOf } from '../../tenants/provider-profiles.js';
import type { AppContext } from '../app-context.js';
import { principalOf } from '../request-context.js';

export function directoryScopeOf(request: FastifyRequest): DirectoryScope {
  const p = principalOf(request);
  return { organizationId: p.organizationId as OrganizationId, directoryId: p.directoryId as DirectoryId };
}

/** The directory's provider profile, counting into this node's per-directory tolerance counters. */
export function toleranceOf(ctx: AppContext, request: FastifyRequest): Tolerance {
  const directory = principalOf(request).directory;
  const profile = profileOf(directory?.provider);
  return ctx.tolerance.forRequest(
    directoryScopeOf(request),
    profile,
    directory?.unknownAttributes ?? profile.unknownAttributes,
  );
}
