/**
 * The RFC 7643 core schemas as data: User (§4.1), Group (§4.2) and the Enterprise User extension (§4.3), with
 * the characteristics of RFC 7643 §8.7.1, plus the common attributes of §3.1 and the resource types of §8.6.
 *
 * §8.7.1 leaves some characteristics out (e.g. `caseExact` on booleans, `uniqueness` on complex attributes);
 * here every attribute spells all of them out, using the RFC 7643 §2.2 defaults for the omitted ones. Where
 * this server deliberately differs from §8.7.1 the definition says so in a comment.
 */
import type {
  AttributeDefinition,
  ResourceSchemas,
  ResourceTypeDefinition,
  SchemaDefinition,
} from './schema-model.js';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

type Characteristics = Partial<Omit<AttributeDefinition, 'name' | 'description'>>;

// RFC 7643 §2.2: the characteristics an attribute has when its definition does not say otherwise.
const DEFAULTS = {
  type: 'string',
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
} as const;

function attribute(
  name: string,
  description: string,
  characteristics: Characteristics = {},
): AttributeDefinition {
  return { name, ...DEFAULTS, description, ...characteristics };
}

function complex(
  name: string,
  description: string,
  subAttributes: AttributeDefinition[],
  characteristics: Characteristics = {},
): AttributeDefinition {
  return attribute(name, description, { type: 'complex', subAttributes, ...characteristics });
}

// A multi-valued complex attribute (RFC 7643 §2.4).
const multiValued = (name: string, description: string, subAttributes: AttributeDefinition[]) =>
  complex(name, description, subAttributes, { multiValued: true });

const display = (characteristics: Characteristics = {}) =>
  attribute(
    'display',
    'A human-readable name, primarily used for display purposes.  READ-ONLY.',
    characteristics,
  );

const label = (description: string, canonicalValues?: string[]) =>
  attribute('type', description, canonicalValues ? { canonicalValues } : {});

const primary = (example: string) =>
  attribute(
    'primary',
    `A Boolean value indicating the 'primary' or preferred attribute value for this attribute${example}.  ` +
      "The primary attribute value 'true' MUST appear no more than once.",
    { type: 'boolean' },
  );

// `value`, `display`, `type`, `primary`: the sub-attributes of RFC 7643 §2.4 shared by most lists.
const valueList = (
  value: AttributeDefinition,
  type: AttributeDefinition,
  primaryExample: string,
): AttributeDefinition[] => [value, display(), type, primary(primaryExample)];

/** RFC 7643 §3.1: part of every resource, defined by no schema URI of their own. */
export const COMMON_ATTRIBUTES: readonly AttributeDefinition[] = deepFreeze([
  // §3.1 calls `id` REQUIRED of every representation; the server assigns it, so a client never has to send it.
  attribute(
    'id',
    'A unique identifier for a SCIM resource as defined by the service provider.  Each representation of the ' +
      "resource MUST include a non-empty 'id' value.",
    { caseExact: true, mutability: 'readOnly', returned: 'always', uniqueness: 'server' },
  ),
  attribute(
    'externalId',
    'A String that is an identifier for the resource as defined by the provisioning client.',
    { caseExact: true },
  ),
  complex(
    'meta',
    'A complex attribute containing resource metadata.',
    [
      attribute('resourceType', 'The name of the resource type of the resource.', {
        caseExact: true,
        mutability: 'readOnly',
      }),
      attribute('created', 'The "DateTime" that the resource was added to the service provider.', {
        type: 'dateTime',
        mutability: 'readOnly',
      }),
      attribute('lastModified', 'The most recent DateTime that the details of this resource were updated.', {
        type: 'dateTime',
        mutability: 'readOnly',
      }),
      attribute('location', 'The URI of the resource being returned.', {
        type: 'reference',
        referenceTypes: ['uri'],
        mutability: 'readOnly',
      }),
      attribute('version', 'The version of the resource being returned.', {
        caseExact: true,
        mutability: 'readOnly',
      }),
    ],
    { mutability: 'readOnly' },
  ),
]);

const NAME_EXAMPLE = "given the full name 'Ms. Barbara J Jensen, III'";
const EMAILS_DESCRIPTION =
  'Email addresses for the user.  The value SHOULD be canonicalized by the service provider, e.g., ' +
  "'bjensen@example.com' instead of 'bjensen@EXAMPLE.COM'. Canonical type values of 'work', 'home', and 'other'.";

/** RFC 7643 §4.1 and §8.7.1. */
export const USER_SCHEMA_DEFINITION: SchemaDefinition = deepFreeze({
  id: USER_SCHEMA,
  name: 'User',
  description: 'User Account',
  attributes: [
    attribute(
      'userName',
      'Unique identifier for the User, typically used by the user to directly authenticate to the service ' +
        'provider. Each User MUST include a non-empty userName value.  This identifier MUST be unique across ' +
        "the service provider's entire set of Users. REQUIRED.",
      { required: true, uniqueness: 'server' },
    ),
    complex(
      'name',
      "The components of the user's real name. Providers MAY return just the full name as a single string in " +
        'the formatted sub-attribute, or they MAY return just the individual component attributes using the ' +
        'other sub-attributes, or they MAY return both.  If both variants are returned, they SHOULD be ' +
        'describing the same name, with the formatted name indicating how the component attributes should be ' +
        'combined.',
      [
        attribute(
          'formatted',
          'The full name, including all middle names, titles, and suffixes as appropriate, formatted for ' +
            "display (e.g., 'Ms. Barbara J Jensen, III').",
        ),
        attribute(
          'familyName',
          `The family name of the User, or last name in most Western languages (e.g., 'Jensen' ${NAME_EXAMPLE}).`,
        ),
        attribute(
          'givenName',
          `The given name of the User, or first name in most Western languages (e.g., 'Barbara' ${NAME_EXAMPLE}).`,
        ),
        attribute('middleName', `The middle name(s) of the User (e.g., 'Jane' ${NAME_EXAMPLE}).`),
        attribute(
          'honorificPrefix',
          `The honorific prefix(es) of the User, or title in most Western languages (e.g., 'Ms.' ${NAME_EXAMPLE}).`,
        ),
        attribute(
          'honorificSuffix',
          `The honorific suffix(es) of the User, or suffix in most Western languages (e.g., 'III' ${NAME_EXAMPLE}).`,
        ),
      ],
    ),
    attribute(
      'displayName',
      'The name of the User, suitable for display to end-users.  The name SHOULD be the full name of the User ' +
        'being described, if known.',
    ),
    attribute(
      'nickName',
      "The casual way to address the user in real life, e.g., 'Bob' or 'Bobby' instead of 'Robert'.  This " +
        "attribute SHOULD NOT be used to represent a User's username (e.g., 'bjensen' or 'mpepperidge').",
    ),
    attribute(
      'profileUrl',
      "A fully qualified URL pointing to a page representing the User's online profile.",
      {
        type: 'reference',
        referenceTypes: ['external'],
      },
    ),
    attribute('title', 'The user\'s title, such as "Vice President."'),
    attribute(
      'userType',
      'Used to identify the relationship between the organization and the user.  Typical values used might be ' +
        "'Contractor', 'Employee', 'Intern', 'Temp', 'External', and 'Unknown', but any value may be used.",
    ),
    attribute(
      'preferredLanguage',
      "Indicates the User's preferred written or spoken language.  Generally used for selecting a localized " +
        "user interface; e.g., 'en_US' specifies the language English and country US.",
    ),
    attribute(
      'locale',
      "Used to indicate the User's default location for purposes of localizing items such as currency, date " +
        'time format, or numerical representations.',
    ),
    attribute(
      'timezone',
      "The User's time zone in the 'Olson' time zone database format, e.g., 'America/Los_Angeles'.",
    ),
    attribute('active', "A Boolean value indicating the User's administrative status.", { type: 'boolean' }),
    attribute(
      'password',
      "The User's cleartext password.  This attribute is intended to be used as a means to specify an initial " +
        "password when creating a new User or to reset an existing User's password.",
      { mutability: 'writeOnly', returned: 'never' },
    ),
    multiValued(
      'emails',
      EMAILS_DESCRIPTION,
      valueList(
        // §8.7.1 repeats the attribute's description for `value`.
        attribute('value', EMAILS_DESCRIPTION),
        label("A label indicating the attribute's function, e.g., 'work' or 'home'.", [
          'work',
          'home',
          'other',
        ]),
        ', e.g., the preferred mailing address or primary email address',
      ),
    ),
    multiValued(
      'phoneNumbers',
      'Phone numbers for the User.  The value SHOULD be canonicalized by the service provider according to the ' +
        "format specified in RFC 3966, e.g., 'tel:+1-201-555-0123'. Canonical type values of 'work', 'home', " +
        "'mobile', 'fax', 'pager', and 'other'.",
      valueList(
        attribute('value', 'Phone number of the User.'),
        label("A label indicating the attribute's function, e.g., 'work', 'home', 'mobile'.", [
          'work',
          'home',
          'mobile',
          'fax',
          'pager',
          'other',
        ]),
        ', e.g., the preferred phone number or primary phone number',
      ),
    ),
    multiValued(
      'ims',
      'Instant messaging addresses for the User.',
      valueList(
        attribute('value', 'Instant messaging address for the User.'),
        label("A label indicating the attribute's function, e.g., 'aim', 'gtalk', 'xmpp'.", [
          'aim',
          'gtalk',
          'icq',
          'xmpp',
          'msn',
          'skype',
          'qq',
          'yahoo',
        ]),
        ', e.g., the preferred messenger or primary messenger',
      ),
    ),
    multiValued(
      'photos',
      'URLs of photos of the User.',
      valueList(
        attribute('value', 'URL of a photo of the User.', {
          type: 'reference',
          referenceTypes: ['external'],
        }),
        label("A label indicating the attribute's function, i.e., 'photo' or 'thumbnail'.", [
          'photo',
          'thumbnail',
        ]),
        ', e.g., the preferred photo or thumbnail',
      ),
    ),
    multiValued(
      'addresses',
      "A physical mailing address for this User. Canonical type values of 'work', 'home', and 'other'.  This " +
        'attribute is a complex type with the following sub-attributes.',
      [
        attribute(
          'formatted',
          'The full mailing address, formatted for display or use with a mailing label.  This attribute MAY ' +
            'contain newlines.',
        ),
        attribute(
          'streetAddress',
          'The full street address component, which may include house number, street name, P.O. box, and ' +
            'multi-line extended street address information.  This attribute MAY contain newlines.',
        ),
        attribute('locality', 'The city or locality component.'),
        attribute('region', 'The state or region component.'),
        attribute('postalCode', 'The zip code or postal code component.'),
        attribute('country', 'The country name component.'),
        label("A label indicating the attribute's function, e.g., 'work' or 'home'.", [
          'work',
          'home',
          'other',
        ]),
        // §8.7.1 omits `primary` here, but §4.1.2 defines it for addresses and §8.2 sends it.
        primary(', e.g., the preferred mailing address or primary address'),
      ],
    ),
    complex(
      'groups',
      'A list of groups to which the user belongs, either through direct membership, through nested groups, ' +
        'or dynamically calculated.',
      [
        attribute('value', "The identifier of the User's group.", { mutability: 'readOnly' }),
        attribute('$ref', "The URI of the corresponding 'Group' resource to which the user belongs.", {
          type: 'reference',
          referenceTypes: ['User', 'Group'],
          mutability: 'readOnly',
        }),
        display({ mutability: 'readOnly' }),
        attribute('type', "A label indicating the attribute's function, e.g., 'direct' or 'indirect'.", {
          canonicalValues: ['direct', 'indirect'],
          mutability: 'readOnly',
        }),
      ],
      { multiValued: true, mutability: 'readOnly' },
    ),
    multiValued(
      'entitlements',
      'A list of entitlements for the User that represent a thing the User has.',
      valueList(
        attribute('value', 'The value of an entitlement.'),
        label("A label indicating the attribute's function."),
        '',
      ),
    ),
    multiValued(
      'roles',
      "A list of roles for the User that collectively represent who the User is, e.g., 'Student', 'Faculty'.",
      valueList(
        attribute('value', 'The value of a role.'),
        label("A label indicating the attribute's function.", []),
        '',
      ),
    ),
    multiValued(
      'x509Certificates',
      'A list of certificates issued to the User.',
      valueList(
        attribute('value', 'The value of an X.509 certificate.', { type: 'binary' }),
        label("A label indicating the attribute's function.", []),
        '',
      ),
    ),
  ],
});

/** RFC 7643 §4.2 and §8.7.1. */
export const GROUP_SCHEMA_DEFINITION: SchemaDefinition = deepFreeze({
  id: GROUP_SCHEMA,
  name: 'Group',
  description: 'Group',
  attributes: [
    // §8.7.1 says required false and uniqueness none; §4.2 calls displayName REQUIRED, and this server keeps
    // group names unique per directory, so the schema says what the server enforces.
    attribute('displayName', 'A human-readable name for the Group. REQUIRED.', {
      required: true,
      uniqueness: 'server',
    }),
    multiValued('members', 'A list of members of the Group.', [
      attribute('value', 'Identifier of the member of this Group.', { mutability: 'immutable' }),
      attribute('$ref', 'The URI corresponding to a SCIM resource that is a member of this Group.', {
        type: 'reference',
        referenceTypes: ['User', 'Group'],
        mutability: 'immutable',
      }),
      attribute('type', "A label indicating the type of resource, e.g., 'User' or 'Group'.", {
        canonicalValues: ['User', 'Group'],
        mutability: 'immutable',
      }),
      // Not in §8.7.1, but the §8.4 example and most clients carry it; the server computes it.
      attribute('display', 'A human-readable name for the member, primarily used for display purposes.', {
        mutability: 'readOnly',
      }),
    ]),
  ],
});

/** RFC 7643 §4.3 and §8.7.1. */
export const ENTERPRISE_USER_SCHEMA_DEFINITION: SchemaDefinition = deepFreeze({
  id: ENTERPRISE_USER_SCHEMA,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    attribute(
      'employeeNumber',
      'Numeric or alphanumeric identifier assigned to a person, typically based on order of hire or ' +
        'association with an organization.',
    ),
    attribute('costCenter', 'Identifies the name of a cost center.'),
    attribute('organization', 'Identifies the name of an organization.'),
    attribute('division', 'Identifies the name of a division.'),
    attribute('department', 'Identifies the name of a department.'),
    complex(
      'manager',
      "The User's manager.  A complex type that optionally allows service providers to represent " +
        "organizational hierarchy by referencing the 'id' attribute of another User.",
      [
        attribute('value', "The id of the SCIM resource representing the User's manager.  REQUIRED."),
        attribute('$ref', "The URI of the SCIM resource representing the User's manager.  REQUIRED.", {
          type: 'reference',
          referenceTypes: ['User'],
        }),
        attribute('displayName', "The displayName of the User's manager. OPTIONAL and READ-ONLY.", {
          mutability: 'readOnly',
        }),
      ],
    ),
  ],
});

/** RFC 7643 §8.6: the enterprise extension is offered on every User, never demanded. */
export const USER_RESOURCE_TYPE: ResourceTypeDefinition = deepFreeze({
  id: 'User',
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  schema: USER_SCHEMA,
  schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
});

export const GROUP_RESOURCE_TYPE: ResourceTypeDefinition = deepFreeze({
  id: 'Group',
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group',
  schema: GROUP_SCHEMA,
  schemaExtensions: [],
});

/** What `/ResourceTypes` lists. */
export const RESOURCE_TYPES: readonly ResourceTypeDefinition[] = Object.freeze([
  USER_RESOURCE_TYPE,
  GROUP_RESOURCE_TYPE,
]);

/** What `/Schemas` lists. */
export const SCHEMA_DEFINITIONS: readonly SchemaDefinition[] = Object.freeze([
  USER_SCHEMA_DEFINITION,
  GROUP_SCHEMA_DEFINITION,
  ENTERPRISE_USER_SCHEMA_DEFINITION,
]);

/** The schemas a User is made of, for `resolveAttribute` and `projectResource`. */
export const USER_RESOURCE_SCHEMAS: ResourceSchemas = deepFreeze({
  core: USER_SCHEMA_DEFINITION,
  extensions: [ENTERPRISE_USER_SCHEMA_DEFINITION],
});

export const GROUP_RESOURCE_SCHEMAS: ResourceSchemas = deepFreeze({
  core: GROUP_SCHEMA_DEFINITION,
  extensions: [],
});

export const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';
export const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';

/**
 * A Schema resource (RFC 7643 §7) as `/Schemas` serves it. `baseUrl` is the SCIM base the client uses, e.g.
 * `https://roster.example/scim/v2/<directoryId>`.
 */
export function toSchemaResource(schema: SchemaDefinition, baseUrl: string): Record<string, unknown> {
  return {
    schemas: [SCHEMA_SCHEMA],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes.map(toAttributeJson),
    // RFC 7643 §8.7.1 locates a schema by its URN: `/Schemas/urn:ietf:params:scim:schemas:core:2.0:User`.
    meta: { resourceType: 'Schema', location: `${withoutTrailingSlash(baseUrl)}/Schemas/${schema.id}` },
  };
}

/** A ResourceType resource (RFC 7643 §6) as `/ResourceTypes` serves it; see `toSchemaResource` for `baseUrl`. */
export function toResourceTypeResource(
  resourceType: ResourceTypeDefinition,
  baseUrl: string,
): Record<string, unknown> {
  return {
    schemas: [RESOURCE_TYPE_SCHEMA],
    id: resourceType.id,
    name: resourceType.name,
    endpoint: resourceType.endpoint,
    description: resourceType.description,
    schema: resourceType.schema,
    // OPTIONAL in §6; the §8.6 Group example leaves it out rather than sending an empty list.
    ...(resourceType.schemaExtensions.length > 0
      ? {
          schemaExtensions: resourceType.schemaExtensions.map(({ schema, required }) => ({
            schema,
            required,
          })),
        }
      : {}),
    meta: {
      resourceType: 'ResourceType',
      location: `${withoutTrailingSlash(baseUrl)}/ResourceTypes/${resourceType.id}`,
    },
  };
}

export function toAttributeJson(attribute: AttributeDefinition): Record<string, unknown> {
  return {
    name: attribute.name,
    type: attribute.type,
    multiValued: attribute.multiValued,
    description: attribute.description,
    required: attribute.required,
    caseExact: attribute.caseExact,
    ...(attribute.canonicalValues ? { canonicalValues: [...attribute.canonicalValues] } : {}),
    ...(attribute.referenceTypes ? { referenceTypes: [...attribute.referenceTypes] } : {}),
    mutability: attribute.mutability,
    returned: attribute.returned,
    uniqueness: attribute.uniqueness,
    ...(attribute.subAttributes ? { subAttributes: attribute.subAttributes.map(toAttributeJson) } : {}),
  };
}

const withoutTrailingSlash = (url: string): string => url.replace(/\/+$/, '');

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
