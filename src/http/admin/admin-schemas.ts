/** TypeBox schemas of the admin API: they validate requests, shape responses and generate the OpenAPI document. */
import { type TSchema, Type } from '@sinclair/typebox';
import { PROVIDERS } from '../../tenants/providers.js';
import { ADMIN_SCOPES, SCIM_SCOPES } from '../../tenants/principal.js';

export const Uuid = Type.String({ format: 'uuid' });
export const DateTime = Type.String({ format: 'date-time' });
const Name = Type.String({ minLength: 1, maxLength: 200 });

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      requestId: Type.Optional(Type.String()),
    }),
  },
  { $id: 'Error' },
);

export const Organization = Type.Object({
  id: Uuid,
  name: Type.String(),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const Directory = Type.Object({
  id: Uuid,
  organizationId: Uuid,
  name: Type.String(),
  provider: Type.String(),
  state: Type.Union([Type.Literal('active'), Type.Literal('inactive')]),
  unknownAttributes: Type.Union([Type.Literal('lenient'), Type.Literal('strict')], {
    description:
      'What SCIM requests may carry beyond the schemas: kept and counted (lenient) or refused (strict)',
  }),
  unknownAttributesOverride: Type.Union([Type.Literal('lenient'), Type.Literal('strict'), Type.Null()], {
    description: "This directory's own setting; null follows its provider profile (GET /api/v1/providers)",
  }),
  scimBaseUrl: Type.String({ description: 'The URL to give the identity provider as its SCIM tenant URL' }),
  createdAt: DateTime,
  updatedAt: DateTime,
});

const credentialFields = {
  id: Uuid,
  organizationId: Type.Union([Uuid, Type.Null()]),
  name: Type.Union([Type.String(), Type.Null()]),
  scopes: Type.Array(Type.String()),
  hint: Type.String({ description: 'The first characters of the secret, to tell credentials apart' }),
  createdAt: DateTime,
  expiresAt: Type.Union([DateTime, Type.Null()]),
  revokedAt: Type.Union([DateTime, Type.Null()]),
  lastUsedAt: Type.Union([DateTime, Type.Null()]),
  createdBy: Type.Union([Uuid, Type.Null()]),
};

export const ScimToken = Type.Object({ ...credentialFields, directoryId: Uuid });
export const IssuedScimToken = Type.Object({
  ...credentialFields,
  directoryId: Uuid,
  token: Type.String({ description: 'The secret; shown only in this response' }),
});
export const AdminKey = Type.Object(credentialFields);
export const IssuedAdminKey = Type.Object({
  ...credentialFields,
  key: Type.String({ description: 'The secret; shown only in this response' }),
});

export const AuditEntry = Type.Object({
  id: Type.Integer(),
  organizationId: Type.Union([Uuid, Type.Null()]),
  occurredAt: DateTime,
  actorCredential: Type.Union([Uuid, Type.Null()]),
  actorLabel: Type.String(),
  action: Type.String(),
  targetType: Type.String(),
  targetId: Type.Union([Type.String(), Type.Null()]),
  outcome: Type.String(),
  details: Type.Record(Type.String(), Type.Unknown()),
});

export const ListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});

export const listOf = <T extends TSchema>(item: T) =>
  Type.Object({ data: Type.Array(item), nextCursor: Type.Optional(Type.String()) });

export const OrganizationIdParams = Type.Object({ organizationId: Uuid });
export const DirectoryIdParams = Type.Object({ directoryId: Uuid });
export const TokenParams = Type.Object({ directoryId: Uuid, tokenId: Uuid });
export const KeyParams = Type.Object({ keyId: Uuid });

export const CreateOrganizationBody = Type.Object({ name: Name }, { additionalProperties: false });
export const UpdateOrganizationBody = Type.Object({ name: Name }, { additionalProperties: false });

export const CreateDirectoryBody = Type.Object(
  {
    name: Name,
    provider: Type.Union(
      PROVIDERS.map((p) => Type.Literal(p)),
      { default: 'generic' },
    ),
  },
  { additionalProperties: false },
);
export const UpdateDirectoryBody = Type.Object(
  {
    name: Type.Optional(Name),
    state: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('inactive')])),
    unknownAttributes: Type.Optional(
      Type.Union([Type.Literal('lenient'), Type.Literal('strict'), Type.Null()], {
        description:
          "Override the provider profile's unknown-attribute policy; null goes back to the profile",
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

const ExpiresIn = Type.Integer({
  minimum: 60,
  maximum: 10 * 365 * 86_400,
  description: 'Lifetime in seconds',
});

export const CreateTokenBody = Type.Object(
  {
    name: Type.Optional(Name),
    scopes: Type.Optional(
      Type.Array(Type.Union(SCIM_SCOPES.map((s) => Type.Literal(s))), { minItems: 1, uniqueItems: true }),
    ),
    expiresInSeconds: Type.Optional(ExpiresIn),
  },
  { additionalProperties: false },
);
export const RotateTokenBody = Type.Object(
  {
    graceSeconds: Type.Integer({
      minimum: 0,
      maximum: 30 * 86_400,
      default: 0,
      description: 'How long the old token keeps working; 0 revokes it at once',
    }),
    expiresInSeconds: Type.Optional(ExpiresIn),
  },
  { additionalProperties: false },
);

export const CreateAdminKeyBody = Type.Object(
  {
    organizationId: Type.Optional(Uuid),
    name: Type.Optional(Name),
    scopes: Type.Optional(
      Type.Array(Type.Union(ADMIN_SCOPES.map((s) => Type.Literal(s))), { minItems: 1, uniqueItems: true }),
    ),
    expiresInSeconds: Type.Optional(ExpiresIn),
  },
  { additionalProperties: false },
);
export const AdminKeyListQuery = Type.Composite([
  ListQuery,
  Type.Object({ organizationId: Type.Optional(Uuid) }),
]);
export const AuditQuery = Type.Composite([ListQuery, Type.Object({ organizationId: Type.Optional(Uuid) })]);

export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  429: ErrorBody,
};

export const noContentResponses = { 204: Type.Null(), ...errorResponses };
