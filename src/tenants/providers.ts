/**
 * Identity providers a directory can be connected to (IDP-QUIRKS.md §2-§10); `keycloak` is the Keycloak SCIM
 * plugin as a client. `generic` stays last. Their quirk profiles are described in docs/providers.md.
 */
export const PROVIDERS = [
  'entra',
  'okta',
  'onelogin',
  'jumpcloud',
  'google',
  'rippling',
  'pingone',
  'pingfederate',
  'authentik',
  'rauthy',
  'keycloak',
  'generic',
] as const;

export type Provider = (typeof PROVIDERS)[number];
