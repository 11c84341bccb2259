/** Who is calling: the credential a request authenticated with, and what it may touch. */
import type { CredentialId, DirectoryId, OrganizationId } from '../shared/ids.js';

export const SCIM_SCOPES = ['scim:read', 'scim:write'] as const;
export const ADMIN_SCOPES = ['admin:read', 'admin:write'] as const;
export type ScimScope = (typeof SCIM_SCOPES)[number];
export type AdminScope = (typeof ADMIN_SCOPES)[number];

export interface Principal {
  readonly credentialId: CredentialId;
  readonly kind: 'admin_key' | 'scim_token';
  /** `null` only for platform admin keys. */
  readonly organizationId: OrganizationId | null;
  readonly directoryId: DirectoryId | null;
  /** For SCIM tokens: the state and provider of the token's directory, read with the credential. */
  readonly directory: {
    readonly state: 'active' | 'inactive';
    readonly provider: string;
    /** The directory's own unknown-attribute policy, overriding its profile's; null follows the profile. */
    readonly unknownAttributes: 'lenient' | 'strict' | null;
    /** The directory's model version (schemas), which keys each node's cached model. */
    readonly modelVersion: number;
  } | null;
  readonly scopes: readonly string[];
  /** Safe to log and audit: kind plus the secret's public hint. */
  readonly label: string;
}

/** The use case was asked for something outside the caller's authority (rendered as 403). */
export class Forbidden extends Error {
  override readonly name = 'Forbidden';
}

/** The request is well-formed but not acceptable (rendered as 400 / 409 by the caller's error mapping). */
export class Rejected extends Error {
  override readonly name = 'Rejected';
  constructor(
    readonly code: 'validation_failed' | 'conflict' | 'url_refused',
    message: string,
  ) {
    super(message);
  }
}

export const isPlatform = (p: Principal): boolean => p.kind === 'admin_key' && p.organizationId === null;

/** Platform keys see every organization; organization keys only their own. */
export function canSeeOrganization(p: Principal, organizationId: OrganizationId): boolean {
  return p.organizationId === null || p.organizationId === organizationId;
}

export function hasScope(p: Principal, scope: string): boolean {
  return p.scopes.includes(scope);
}

export function requireScope(p: Principal, scope: string): void {
  if (!hasScope(p, scope)) throw new Forbidden(`this credential lacks the ${scope} scope`);
}

export function auditActor(p: Principal): { actorCredential: CredentialId; actorLabel: string } {
  return { actorCredential: p.credentialId, actorLabel: p.label };
}
