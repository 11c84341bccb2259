/**
 * Provider profiles as data: for each identity provider a directory can connect, which request normalizations
 * Roster applies, what it does with attributes it does not know, and how it answers PATCH. Served read-only at
 * `GET /api/v1/providers` so an operator can see what Roster will tolerate. Evidence and decisions:
 * docs/providers.md and ../shared/IDP-QUIRKS.md.
 */
import {
  NORMALIZATIONS,
  NORMALIZATION_NAMES,
  type NormalizationName,
  type UnknownAttributePolicy,
} from '../scim/normalizations.js';
import type { Provider } from './providers.js';

export type { UnknownAttributePolicy };

export interface ProviderProfile {
  readonly provider: Provider;
  readonly name: string;
  /** Normalizations applied to this provider's requests: every `safe` one plus those listed in `needs`. */
  readonly normalizations: readonly NormalizationName[];
  /** Whether this profile applies a normalization (built once; asked on every SCIM request). */
  readonly allows: (name: NormalizationName) => boolean;
  /** `lenient`: unknown attributes are kept and counted; `strict`: 400 `invalidSyntax` naming the attribute. */
  readonly unknownAttributes: UnknownAttributePolicy;
  /** RFC 7644 §3.5.2 allows 200 with the resource or 204; what this provider's client expects. */
  readonly patchResponse: 200 | 204;
  readonly notes: string;
}

const SAFE = NORMALIZATION_NAMES.filter((n) => NORMALIZATIONS[n].safe);

interface ProfileSpec {
  name: string;
  needs?: NormalizationName[];
  unknownAttributes?: UnknownAttributePolicy;
  patchResponse?: 200 | 204;
  notes: string;
}

function profile(provider: Provider, spec: ProfileSpec): ProviderProfile {
  const normalizations = [...SAFE, ...(spec.needs ?? [])];
  const applied = new Set<NormalizationName>(normalizations);
  return {
    provider,
    name: spec.name,
    normalizations,
    allows: (name) => applied.has(name),
    unknownAttributes: spec.unknownAttributes ?? 'lenient',
    patchResponse: spec.patchResponse ?? 200,
    notes: spec.notes,
  };
}

const SPECS: Record<Provider, ProfileSpec> = {
  entra: {
    name: 'Microsoft Entra ID',
    needs: ['value-filter-creates'],
    patchResponse: 204,
    notes:
      'Both PATCH dialects (default and aadOptscim062020): capitalised ops, "False" strings, value-list member removal, path keys in no-path values, filtered paths that create the element, manager as a bare id and cleared with "". Test Connection filters on a random GUID and expects an empty 200 list.',
  },
  okta: {
    name: 'Okta',
    notes:
      'Deactivates with a no-path replace {active:false} and never DELETEs users; group rename re-sends the read-only id; membership deltas use members[value eq] removal; full PUTs carry id, meta, groups and password.',
  },
  onelogin: {
    name: 'OneLogin',
    notes:
      'Admin-editable templates: SCIM 1.1 schema URN, "active" as a string, "id": null, unmapped fields rendered as "", emails as a single object.',
  },
  jumpcloud: {
    name: 'JumpCloud',
    notes:
      'Test Connection creates and deletes a test user and group; group rename is a no-path replace {displayName}; member removal uses the value-list form.',
  },
  google: {
    name: 'Google Workspace',
    notes: 'No published request shapes: plain RFC requests, probed with GET /Users?count=1.',
  },
  rippling: {
    name: 'Rippling',
    notes: 'No published request shapes: plain RFC requests with externalId, emails.primary and name.',
  },
  pingone: {
    name: 'PingOne',
    notes:
      'Filters like username Eq "x" (case-insensitive names and operators); users are updated by full PUT.',
  },
  pingfederate: {
    name: 'PingFederate',
    notes:
      'Users are updated by full PUT (no user PATCH); matches on emails eq "x"; finds groups by listing all of them.',
  },
  authentik: {
    name: 'authentik',
    notes:
      'Validates ServiceProviderConfig strictly; PatchOp without schemas; group updates as a no-path replace of the whole group; value-list member removal.',
  },
  rauthy: {
    name: 'Rauthy',
    notes:
      'Looks users and groups up by externalId, then userName/displayName; sends a top-level "custom" object (kept); diffs memberships from User.groups; unlinks a group with externalId null.',
  },
  keycloak: {
    name: 'Keycloak SCIM plugin',
    notes:
      'Deactivates with "false" strings; relative member $ref; clears a group with remove members and no value. It treats any 400 on PUT/PATCH as 404 and re-POSTs, so lenient handling matters most here.',
  },
  generic: {
    name: 'Generic SCIM 2.0 client',
    unknownAttributes: 'strict',
    notes:
      'RFC 7644 behaviour plus the normalizations that never change what a conforming request means; unknown attributes are refused with 400 so mistakes show.',
  },
};

export const PROVIDER_PROFILES: readonly ProviderProfile[] = (Object.keys(SPECS) as Provider[]).map((p) =>
  profile(p, SPECS[p]),
);

const BY_PROVIDER = new Map(PROVIDER_PROFILES.map((p) => [p.provider as string, p]));

/** The profile of a provider name stored on a directory; unknown names get `generic`'s rules. */
export function profileOf(provider: string | undefined): ProviderProfile {
  return BY_PROVIDER.get(provider ?? 'generic') ?? BY_PROVIDER.get('generic')!;
}
