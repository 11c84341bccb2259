/** Identity providers a directory can be connected to. Their quirk profiles are described in docs/providers.md. */
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
  'generic',
] as const;

export type Provider = (typeof PROVIDERS)[number];
