/** TypeBox schemas of the normalized directory read API (`/directories/{id}/users`, `/groups`, `/members`). */
import { type Static, Type } from '@sinclair/typebox';
import type { DirectoryGroup, DirectoryMember, DirectoryUser } from '../../directory/directory-reads.js';
import { DateTime, Uuid } from './admin-schemas.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Limit = Type.Integer({ minimum: 1, maximum: 1000, default: 100 });
const Cursor = Type.Optional(
  Type.String({ maxLength: 200, description: 'The nextCursor of the previous page, with the same filters' }),
);

export const DirectoryUserBody = Type.Object({
  id: Uuid,
  organizationId: Uuid,
  directoryId: Uuid,
  externalId: Nullable(Type.String()),
  userName: Type.String(),
  email: Nullable(Type.String({ description: 'The primary email, else the first one' })),
  emails: Type.Array(
    Type.Object({ value: Type.String(), type: Nullable(Type.String()), primary: Type.Boolean() }),
  ),
  firstName: Nullable(Type.String()),
  lastName: Nullable(Type.String()),
  displayName: Nullable(Type.String()),
  state: Type.Union([Type.Literal('active'), Type.Literal('inactive')]),
  customAttributes: Type.Record(Type.String(), Type.Unknown(), {
    description:
      "Every name of the directory's attribute mapping with its effective value (null when absent); for an " +
      "app-owned name, the app's own value once it has set one (docs/attribute-mapping.md)",
  }),
  idpAttributes: Type.Record(Type.String(), Type.Unknown(), {
    description: 'App-owned names only: what the identity provider last sent, null when nothing',
  }),
  roles: Type.Array(Type.String()),
  groupIds: Type.Array(Uuid, {
    description: 'Groups the user is a direct member of (membership through nested groups is not expanded)',
  }),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const DirectoryGroupBody = Type.Object({
  id: Uuid,
  organizationId: Uuid,
  directoryId: Uuid,
  externalId: Nullable(Type.String()),
  name: Type.String(),
  memberCount: Type.Integer({ description: 'Direct members, users and groups' }),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const DirectoryMemberBody = Type.Object({
  id: Uuid,
  type: Type.Union([Type.Literal('User'), Type.Literal('Group')], {
    description: 'As SCIM and the memberType of group.member_added events spell it',
  }),
  addedAt: DateTime,
  displayName: Nullable(Type.String({ description: "The user's displayName, or the group's name" })),
  userName: Nullable(Type.String({ description: 'Users only' })),
  email: Nullable(Type.String({ description: "Users only: the user's primary email" })),
});

// A field the domain adds must be added here too, or responses would drop it silently: fail the build instead.
type Unlisted<Domain, Body> = Exclude<keyof Domain, keyof Body>;
export const allFieldsListed: [
  Unlisted<DirectoryUser, Static<typeof DirectoryUserBody>>,
  Unlisted<DirectoryGroup, Static<typeof DirectoryGroupBody>>,
  Unlisted<DirectoryMember, Static<typeof DirectoryMemberBody>>,
] extends [never, never, never]
  ? true
  : never = true;

export const UserListQuery = Type.Object({
  groupId: Type.Optional(Uuid),
  state: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('inactive')])),
  email: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 320,
      description: 'Case-insensitive; matches any email of a user',
    }),
  ),
  updatedAfter: Type.Optional(
    Type.String({
      format: 'date-time',
      description: 'Users changed after this time, ordered by (updatedAt, id) instead of id',
    }),
  ),
  limit: Limit,
  cursor: Cursor,
});

export const GroupListQuery = Type.Object({
  externalId: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
  name: Type.Optional(
    Type.String({ minLength: 1, maxLength: 1000, description: 'Case-insensitive exact name' }),
  ),
  limit: Limit,
  cursor: Cursor,
});

export const MemberListQuery = Type.Object({ limit: Limit, cursor: Cursor });

export const UserParams = Type.Object({ directoryId: Uuid, userId: Uuid });
export const GroupParams = Type.Object({ directoryId: Uuid, groupId: Uuid });
