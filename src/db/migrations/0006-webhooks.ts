/**
 * Webhooks (issue 5). Three tables:
 *
 * - `webhooks`: one endpoint, of an organization or (organization_id null) platform-wide, with its event-type
 *   filter (empty: every type), state and signing secrets. Secrets must be usable for HMAC, so unlike
 *   credentials they are stored retrievably (sealed with AES-256-GCM when ROSTER_WEBHOOK_SECRETS_KEY is set).
 * - `webhook_positions`: per (webhook, directory) the last sequence delivered (or skipped by the filter) and the
 *   retry state of the next one. Order is per directory, so directories never block each other. A worker holds a
 *   session advisory lock on the pair while it delivers: one event in flight per pair, across nodes, and the
 *   lock dies with the node's connection on `kill -9`, so an unacknowledged event is simply sent again.
 * - `webhook_deliveries`: one row per attempt (status, latency, error), never a body or a secret.
 */
export const name = '0006-webhooks';

export const up = /* sql */ `
create table webhooks (
  organization_id            uuid references organizations (id) on delete cascade,
  id                         uuid primary key,
  url                        text not null,
  event_types                text[] not null default '{}',
  state                      text not null default 'active' check (state in ('active', 'failing', 'disabled')),
  secret                     text not null,
  previous_secret            text,
  previous_secret_expires_at timestamptz,
  failing_since              timestamptz,
  created_at                 timestamptz not null default now(),
  updated_at                 timestamptz not null default now()
);
create unique index webhooks_org_key on webhooks (organization_id, id);

create table webhook_positions (
  organization_id    uuid not null references organizations (id) on delete cascade,
  directory_id       uuid not null,
  webhook_id         uuid not null references webhooks (id) on delete cascade,
  delivered_sequence bigint not null default 0,
  -- Bumped by replay, so a delivery already in flight cannot move the position it rewound.
  version            integer not null default 0,
  attempts           integer not null default 0,
  first_failed_at    timestamptz,
  next_attempt_at    timestamptz,
  last_error         text,
  primary key (organization_id, directory_id, webhook_id)
);
create index webhook_positions_webhook on webhook_positions (webhook_id);

create table webhook_deliveries (
  organization_id uuid not null references organizations (id) on delete cascade,
  webhook_id      uuid not null references webhooks (id) on delete cascade,
  id              bigint generated always as identity,
  directory_id    uuid not null,
  event_id        uuid not null,
  sequence        bigint not null,
  event_type      text not null,
  attempt         integer not null,
  attempted_at    timestamptz not null,
  status_code     integer,
  latency_ms      integer not null,
  error           text,
  primary key (webhook_id, id)
);
create index webhook_deliveries_org on webhook_deliveries (organization_id, webhook_id, id);
`;
