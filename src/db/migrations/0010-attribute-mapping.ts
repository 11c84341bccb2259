/**
 * Attribute mapping (docs/attribute-mapping.md): each directory maps SCIM attribute paths to the app's own
 * attribute names, and the app may own some of them. The mapping is a small document read with the directory's
 * model (whose version every change bumps), so it lives on the directory row; the app's own values for the
 * attributes it owns live on the user row, beside the IdP's resource and never inside it.
 */
export const name = '0010-attribute-mapping';

export const up = /* sql */ `
-- [{ "name": "department", "path": "urn:...:enterprise:2.0:User:department", "owner": "idp" | "app" }, ...]
alter table directories add column attribute_mapping jsonb not null default '[]';

-- { "<name>": value } for names the mapping declares app-owned; IdP writes never touch it.
alter table scim_users add column app_attributes jsonb not null default '{}';
`;
