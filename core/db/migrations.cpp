#include "core/db/migrations.h"

#include <map>
#include <memory>

#include "core/db/session.h"

namespace flint::db {
namespace {

// Any constant works; it only has to be the same in every Flint process.
constexpr long long kMigrationLock = 0x466c696e74;  // "Flint"

}  // namespace

const std::vector<Migration>& controlMigrations() {
  static const std::vector<Migration> migrations = {
      {1, "instances", R"SQL(
CREATE TABLE flint.instances (
  id bigserial PRIMARY KEY,
  name text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9-]{1,40}$'),
  organization_name text NOT NULL,
  organization_npi text,
  organization_address text,
  patient_portal boolean NOT NULL DEFAULT false,
  disabled boolean NOT NULL DEFAULT false,
  schema_name text NOT NULL UNIQUE,
  schema_version int NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);
)SQL"},
      {2, "instance open access", R"SQL(
ALTER TABLE flint.instances ADD COLUMN open_access boolean NOT NULL DEFAULT false;
)SQL"},
      // Every server process follows this log to refuse revoked tokens within a second.
      // A row only matters until the last access token it can affect has expired.
      {3, "token revocations", R"SQL(
CREATE TABLE flint.revocations (
  seq bigserial PRIMARY KEY,
  instance_id bigint NOT NULL REFERENCES flint.instances (id),
  kind text NOT NULL CHECK (kind IN ('grant', 'token', 'client')),
  subject text NOT NULL,
  revoked_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX revocations_expiry ON flint.revocations (expires_at);
)SQL"},
      {4, "refresh token lifetime per instance", R"SQL(
ALTER TABLE flint.instances ADD COLUMN refresh_token_days int NOT NULL DEFAULT 90
  CHECK (refresh_token_days BETWEEN 1 AND 3650);
)SQL"},
      // Which version of the search index extraction built an instance's entries (0: from before
      // this was recorded), so an upgrade that indexes more knows what to reindex.
      {5, "search index version per instance", R"SQL(
ALTER TABLE flint.instances ADD COLUMN search_index_version int NOT NULL DEFAULT 0;
)SQL"},
      // seq is handed out at insert but becomes visible at commit, so following it skips a
      // revocation that commits after a later-numbered one. The writing transaction's id lets
      // followers re-read from the oldest transaction still running at their previous read.
      {6, "revocations followed by transaction id", R"SQL(
ALTER TABLE flint.revocations ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX revocations_xid ON flint.revocations (xid);
)SQL"},
      // Bulk Data exports: one row per job, claimed by whichever server process gets to it first
      // and advanced in steps that commit their progress (bulk_export/, docs/bulk_export.md).
      // Their files are the instance's data and live in its schema (export_files, export_chunks).
      {7, "bulk export jobs", R"SQL(
CREATE TABLE flint.export_jobs (
  id text PRIMARY KEY,
  instance_id bigint NOT NULL REFERENCES flint.instances (id),
  client_id text NOT NULL,
  scope text,
  patient text NOT NULL DEFAULT '',
  request_url text NOT NULL,
  level text NOT NULL CHECK (level IN ('system', 'patient', 'group')),
  group_id text,
  members text[],
  types text[] NOT NULL,
  type_filters text[] NOT NULL DEFAULT '{}',
  elements text[] NOT NULL DEFAULT '{}',
  relevant_provenance boolean NOT NULL DEFAULT false,
  since bigint,
  transaction_time bigint NOT NULL,
  state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'completed', 'failed')),
  attempt int NOT NULL DEFAULT 0,
  lease_until timestamptz,
  type_index int NOT NULL DEFAULT 0,
  after_id text NOT NULL DEFAULT '',
  file_seq int NOT NULL DEFAULT 0,
  exported bigint NOT NULL DEFAULT 0,
  error text,
  next_poll_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  expires_at timestamptz
);
CREATE INDEX export_jobs_active ON flint.export_jobs (created_at) WHERE state IN ('queued', 'running');
CREATE INDEX export_jobs_client ON flint.export_jobs (instance_id, client_id) WHERE state IN ('queued', 'running');
CREATE INDEX export_jobs_expiry ON flint.export_jobs (expires_at);
)SQL"},
      // includeAssociatedData=LatestProvenanceResources; errors: the job's error file, one
      // OperationOutcome per element (what the kick-off could not honour, known when it runs).
      {8, "bulk export latest provenance and error files", R"SQL(
ALTER TABLE flint.export_jobs ADD COLUMN latest_provenance boolean NOT NULL DEFAULT false,
  ADD COLUMN errors text[] NOT NULL DEFAULT '{}';
)SQL"},
      // The service-base-URL directory (directory/): a practice's locations and the
      // organisation it is part of, and the log of every change to what the directory publishes
      // of an instance, written by a trigger in the changing transaction, so that no path that
      // changes an instance can leave it out. Its writer names itself in the transaction's
      // flint.actor setting. Every process follows the log to rebuild its copy of the directory.
      {9, "service base URL directory", R"SQL(
ALTER TABLE flint.instances ADD COLUMN organization_locations text NOT NULL DEFAULT '[]',
  ADD COLUMN organization_part_of text;
CREATE TABLE flint.directory_changes (
  seq bigserial PRIMARY KEY,
  changed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  instance_id bigint NOT NULL REFERENCES flint.instances (id),
  instance_name text NOT NULL,
  action text NOT NULL CHECK (action IN ('created', 'edited', 'disabled', 'enabled')),
  actor text NOT NULL,
  changes jsonb NOT NULL
);
CREATE INDEX directory_changes_instance ON flint.directory_changes (instance_name, seq);
CREATE FUNCTION flint.directory_fields(i flint.instances) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object('organizationName', i.organization_name, 'npi', i.organization_npi,
    'address', i.organization_address::jsonb, 'locations', i.organization_locations::jsonb,
    'partOf', i.organization_part_of, 'patientPortal', i.patient_portal, 'disabled', i.disabled)
$$;
CREATE FUNCTION flint.record_directory_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  before jsonb := CASE WHEN TG_OP = 'UPDATE' THEN flint.directory_fields(OLD) ELSE '{}' END;
  after jsonb := flint.directory_fields(NEW);
  diff jsonb := '{}';
  field text;
BEGIN
  FOR field IN SELECT jsonb_object_keys(after) LOOP
    IF before -> field IS DISTINCT FROM after -> field AND (TG_OP = 'UPDATE' OR after -> field <> 'null') THEN
      diff := diff || jsonb_build_object(field, jsonb_build_object('from', before -> field, 'to', after -> field));
    END IF;
  END LOOP;
  IF TG_OP = 'UPDATE' AND diff = '{}' THEN
    RETURN NEW;
  END IF;
  INSERT INTO flint.directory_changes (instance_id, instance_name, action, actor, changes)
  VALUES (NEW.id, NEW.name,
          CASE WHEN TG_OP = 'INSERT' THEN 'created'
               WHEN diff ? 'disabled' THEN CASE WHEN NEW.disabled THEN 'disabled' ELSE 'enabled' END
               ELSE 'edited' END,
          coalesce(nullif(current_setting('flint.actor', true), ''), 'database user ' || session_user), diff);
  RETURN NEW;
END
$$;
CREATE TRIGGER directory_change AFTER INSERT OR UPDATE ON flint.instances
  FOR EACH ROW EXECUTE FUNCTION flint.record_directory_change();
INSERT INTO flint.directory_changes (changed_at, instance_id, instance_name, action, actor, changes)
  SELECT created_at, id, name, 'created', 'migration (the instance existed before the log)', '{}'
  FROM flint.instances ORDER BY id;
)SQL"},
      {10, "profile validation per instance", R"SQL(
ALTER TABLE flint.instances ADD COLUMN profile_validation text NOT NULL DEFAULT 'claimed'
  CHECK (profile_validation IN ('off', 'claimed', 'required'));
)SQL"},
      // The developer-access programme: accounts, their requests, every decision on them, the
      // Terms of Use each request accepted, and the mail the programme sends.
      {11, "developer programme", R"SQL(
CREATE TABLE flint.developer_accounts (
  id bigserial PRIMARY KEY,
  email text NOT NULL,
  password_hash text NOT NULL,
  confirmed_at timestamptz,
  code_hash text,
  code_expires_at timestamptz,
  code_attempts int NOT NULL DEFAULT 0,
  failed_logins int NOT NULL DEFAULT 0,
  locked_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX developer_accounts_email ON flint.developer_accounts (lower(email));
CREATE TABLE flint.developer_sessions (
  token_hash text PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES flint.developer_accounts (id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL
);
CREATE INDEX developer_sessions_expiry ON flint.developer_sessions (expires_at);
CREATE TABLE flint.terms_of_use (
  sha256 text PRIMARY KEY,
  version text NOT NULL,
  text text NOT NULL,
  first_accepted_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE flint.developer_requests (
  id bigserial PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES flint.developer_accounts (id),
  status text NOT NULL DEFAULT 'received'
    CHECK (status IN ('received', 'verified', 'denied', 'enabled', 'revoked')),
  access_model text NOT NULL CHECK (access_model IN ('patient-directed', 'population')),
  details jsonb NOT NULL,
  terms_sha256 text NOT NULL REFERENCES flint.terms_of_use (sha256),
  domain_token text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  verified_at timestamptz,
  enabled_at timestamptz,
  closed_at timestamptz,
  client_id text UNIQUE
);
CREATE INDEX developer_requests_account ON flint.developer_requests (account_id);
CREATE INDEX developer_requests_open ON flint.developer_requests (received_at) WHERE status IN ('received', 'verified');
CREATE TABLE flint.developer_decisions (
  id bigserial PRIMARY KEY,
  request_id bigint NOT NULL REFERENCES flint.developer_requests (id),
  decision text NOT NULL CHECK (decision IN ('domain-verified', 'verify', 'deny', 'enable', 'revoke')),
  actor text NOT NULL,
  reason text,
  note text,
  decided_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX developer_decisions_request ON flint.developer_decisions (request_id);
-- Where an enabled app has its client: every portal instance for a patient-directed app (the
-- platform registers it), each authorising practice's instance for a population app.
CREATE TABLE flint.developer_app_instances (
  request_id bigint NOT NULL REFERENCES flint.developer_requests (id),
  instance_id bigint NOT NULL REFERENCES flint.instances (id),
  scope text NOT NULL,
  authorized_by text NOT NULL,
  authorized_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (request_id, instance_id)
);
CREATE TABLE flint.mail_outbox (
  id bigserial PRIMARY KEY,
  recipient text NOT NULL,
  subject text NOT NULL,
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz
);
CREATE INDEX mail_outbox_unsent ON flint.mail_outbox (id) WHERE sent_at IS NULL;
)SQL"},
      // Developers' sandboxes: instances of synthetic data, each owned by one developer account
      // until it expires; their apps' clients there have ids of their own. And the outbox's delivery.
      {12, "developer sandboxes; mail delivery", R"SQL(
ALTER TABLE flint.instances ADD COLUMN sandbox boolean NOT NULL DEFAULT false;
CREATE TABLE flint.developer_sandboxes (
  id bigserial PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES flint.developer_accounts (id),
  name text NOT NULL UNIQUE,
  instance_id bigint UNIQUE REFERENCES flint.instances (id),
  patients int NOT NULL,
  status text NOT NULL CHECK (status IN ('creating', 'active', 'expired', 'deleted', 'failed')),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  reminded_at timestamptz,
  closed_at timestamptz
);
CREATE INDEX developer_sandboxes_account ON flint.developer_sandboxes (account_id);
CREATE INDEX developer_sandboxes_open ON flint.developer_sandboxes (expires_at) WHERE status = 'active';
ALTER TABLE flint.developer_requests ADD COLUMN sandbox_client_id text UNIQUE;
-- SMTP delivery of the outbox: failed attempts back off, and the last error is kept for admins.
ALTER TABLE flint.mail_outbox ADD COLUMN attempts int NOT NULL DEFAULT 0,
  ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now(), ADD COLUMN last_error text;
)SQL"},
      // The programme's staff: developer accounts an admin made reviewers.
      {13, "developer programme reviewers", R"SQL(
ALTER TABLE flint.developer_accounts ADD COLUMN reviewer boolean NOT NULL DEFAULT false;
)SQL"},
      // Data clusters: the PostgreSQL servers instances' schemas live on. 'main' is the control
      // database itself (no URL), so a one-cluster deployment registers nothing. `identity`
      // (system identifier / database) keeps one database from being registered twice.
      {14, "data clusters", R"SQL(
CREATE TABLE flint.clusters (
  name text PRIMARY KEY CHECK (name ~ '^[a-z0-9-]{1,40}$'),
  database_url text,
  replica_urls text[] NOT NULL DEFAULT '{}',
  identity text UNIQUE,
  draining boolean NOT NULL DEFAULT false,
  added_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((name = 'main') = (database_url IS NULL))
);
INSERT INTO flint.clusters (name) VALUES ('main');
ALTER TABLE flint.instances ADD COLUMN cluster text NOT NULL DEFAULT 'main' REFERENCES flint.clusters (name);
)SQL"},
      // An export reads from a replica only once it has replayed the primary's position at
      // kick-off, so nothing written before the transaction time is missed.
      {15, "export read positions", R"SQL(
ALTER TABLE flint.export_jobs ADD COLUMN read_lsn pg_lsn NOT NULL DEFAULT '0/0';
)SQL"},
      // An instance being moved to another cluster (core/instances/move): where the move stands,
      // so that it can be resumed or rolled back. While 'frozen' the instance refuses writes and
      // writes its audit trail to the target; audit_floor is the first audit event id the target
      // hands out itself (rows below it came from the source). 'rollback': unfrozen, being undone.
      // The snapshots are those of the copy on each side: rows written after them are the changes
      // the freeze compares.
      {16, "instance moves", R"SQL(
CREATE TABLE flint.instance_moves (
  instance_id bigint PRIMARY KEY REFERENCES flint.instances (id),
  source text NOT NULL REFERENCES flint.clusters (name),
  target text NOT NULL REFERENCES flint.clusters (name),
  state text NOT NULL CHECK (state IN ('copying', 'streaming', 'frozen', 'switched', 'rollback')),
  audit_floor bigint,
  source_snapshot text,
  target_snapshot text,
  started_at timestamptz NOT NULL DEFAULT now(),
  state_changed_at timestamptz NOT NULL DEFAULT now(),
  CHECK (source <> target)
);
)SQL"},
      // Where an instance's data became whole on its cluster's primary when a move switched it
      // there: replicas serve its reads only once they have replayed that far.
      {17, "read floor", R"SQL(
ALTER TABLE flint.instances ADD COLUMN read_floor_lsn pg_lsn;
)SQL"},
      // The dictionaries each instance's resource JSON is compressed with
      // (fhir_resources/storage/stored_content.h), by the number zstd gives a dictionary. They hold
      // fragments of the instance's data, so they go with the instance. Here rather than in the
      // instance's schema, every process loads them with the instance itself (InstanceCache) and
      // never needs the data cluster to read a resource's JSON.
      {18, "content dictionaries", R"SQL(
CREATE TABLE flint.content_dictionaries (
  instance_id bigint NOT NULL REFERENCES flint.instances (id) ON DELETE CASCADE,
  number bigint NOT NULL,
  dictionary bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (instance_id, number)
);
)SQL"},
  };
  return migrations;
}

const std::vector<Migration>& instanceMigrations() {
  static const std::vector<Migration> migrations = {
      {1, "resources", R"SQL(
CREATE TABLE resources (
  resource_type text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  version_id bigint NOT NULL,
  last_updated bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  content text,
  PRIMARY KEY (resource_type, id)
);
CREATE INDEX resources_type_updated ON resources (resource_type, last_updated, id);
CREATE TABLE resource_history (
  resource_type text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  version_id bigint NOT NULL,
  last_updated bigint NOT NULL,
  method text NOT NULL,
  content text,
  PRIMARY KEY (resource_type, id, version_id)
);
CREATE INDEX resource_history_type_updated ON resource_history (resource_type, last_updated);
CREATE INDEX resource_history_updated ON resource_history (last_updated);
)SQL"},
      // Every lookup index ends in the resource id: keys stay unique (no hot page when thousands
      // of resources share a code) and searches can answer from the index alone.
      {2, "search indexes", R"SQL(
CREATE TABLE search_token (
  resource_type text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  param text COLLATE "C" NOT NULL,
  system text COLLATE "C",
  code text COLLATE "C",
  text_norm text COLLATE "C"
);
CREATE INDEX search_token_code ON search_token (resource_type, param, code, system, id);
CREATE INDEX search_token_resource ON search_token (resource_type, id);
CREATE TABLE search_string (
  resource_type text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  param text COLLATE "C" NOT NULL,
  value_norm text COLLATE "C" NOT NULL,
  value text NOT NULL
);
CREATE INDEX search_string_value ON search_string (resource_type, param, value_norm, id);
CREATE INDEX search_string_resource ON search_string (resource_type, id);
CREATE TABLE search_reference (
  resource_type text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  param text COLLATE "C" NOT NULL,
  target_type text COLLATE "C",
  target_id text COLLATE "C",
  url text COLLATE "C" NOT NULL
);
CREATE INDEX search_reference_target ON search_reference (resource_type, param, target_id, target_type, id);
CREATE INDEX search_reference_resource ON search_reference (resource_type, id);
CREATE TABLE search_date (
  resource_type text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  param text COLLATE "C" NOT NULL,
  low bigint NOT NULL,
  high bigint NOT NULL
);
CREATE INDEX search_date_range ON search_date (resource_type, param, low, high, id);
CREATE INDEX search_date_resource ON search_date (resource_type, id);
)SQL"},
      {3, "number and quantity index", R"SQL(
CREATE TABLE search_number (
  resource_type text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  param text COLLATE "C" NOT NULL,
  value numeric NOT NULL,
  system text COLLATE "C",
  code text COLLATE "C"
);
CREATE INDEX search_number_value ON search_number (resource_type, param, value, id);
CREATE INDEX search_number_resource ON search_number (resource_type, id);
)SQL"},
      // Secrets are never stored in the clear: client secrets as SHA-256 (they are long and
      // random, so a slow hash adds nothing), private keys only because they must sign.
      {4, "authorization server", R"SQL(
CREATE TABLE auth_clients (
  id text COLLATE "C" PRIMARY KEY,
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('public', 'confidential-symmetric', 'confidential-asymmetric', 'backend')),
  secret_sha256 text,
  jwks text,
  jwks_url text,
  redirect_uris text[] NOT NULL DEFAULT '{}',
  launch_uri text,
  scope text NOT NULL,
  disabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE auth_keys (
  kid text COLLATE "C" PRIMARY KEY,
  purpose text NOT NULL CHECK (purpose IN ('id-token', 'access-token')),
  secret text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz
);
CREATE TABLE auth_grants (
  id bigserial PRIMARY KEY,
  client_id text COLLATE "C" NOT NULL REFERENCES auth_clients (id),
  patient_id text,
  scope text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX auth_grants_client ON auth_grants (client_id);
CREATE TABLE auth_assertion_jtis (
  client_id text COLLATE "C" NOT NULL,
  jti text COLLATE "C" NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (client_id, jti)
);
CREATE INDEX auth_assertion_jtis_expiry ON auth_assertion_jtis (expires_at);
)SQL"},
      // Users who log in to the authorization server, their browser sessions, and the states of
      // the authorization code flow. Every secret handed to a browser or app is stored as its
      // SHA-256 only; passwords as scrypt.
      {5, "users and the authorization code flow", R"SQL(
CREATE TABLE auth_users (
  id bigserial PRIMARY KEY,
  username text COLLATE "C" NOT NULL UNIQUE,
  password_hash text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('patient', 'staff')),
  fhir_user text COLLATE "C" NOT NULL,
  display_name text NOT NULL DEFAULT '',
  disabled boolean NOT NULL DEFAULT false,
  failed_logins int NOT NULL DEFAULT 0,
  locked_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE auth_user_patients (
  user_id bigint NOT NULL REFERENCES auth_users (id),
  patient_id text COLLATE "C" NOT NULL,
  PRIMARY KEY (user_id, patient_id)
);
CREATE TABLE auth_sessions (
  token_sha256 text PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES auth_users (id),
  expires_at timestamptz NOT NULL
);
CREATE TABLE auth_pending (
  id_sha256 text PRIMARY KEY,
  browser_sha256 text NOT NULL,
  request text NOT NULL,
  user_id bigint REFERENCES auth_users (id),
  expires_at timestamptz NOT NULL
);
ALTER TABLE auth_grants ADD COLUMN user_id bigint REFERENCES auth_users (id), ADD COLUMN encounter_id text,
  ADD COLUMN refresh_expires_at timestamptz;
CREATE INDEX auth_grants_user ON auth_grants (user_id);
CREATE TABLE auth_codes (
  code_sha256 text PRIMARY KEY,
  grant_id bigint NOT NULL REFERENCES auth_grants (id),
  redirect_uri text NOT NULL,
  code_challenge text NOT NULL,
  nonce text,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE TABLE auth_refresh_tokens (
  token_sha256 text PRIMARY KEY,
  grant_id bigint NOT NULL REFERENCES auth_grants (id),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX auth_refresh_tokens_grant ON auth_refresh_tokens (grant_id);
)SQL"},
      // Who did what, for the practice's auditors: every authorization decision and every FHIR
      // access. Never a token, secret, password or query value.
      {6, "audit events", R"SQL(
CREATE TABLE audit_events (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  kind text NOT NULL,
  action text NOT NULL,
  outcome int NOT NULL,
  client_id text,
  user_id bigint,
  patient_id text,
  target text,
  detail text
);
CREATE INDEX audit_events_at ON audit_events (at);
)SQL"},
      // EHR launch: a staff user's session opens an app with a patient (and encounter) in context.
      {7, "EHR launch", R"SQL(
CREATE TABLE auth_launches (
  id_sha256 text PRIMARY KEY,
  client_id text COLLATE "C" NOT NULL REFERENCES auth_clients (id),
  user_id bigint NOT NULL REFERENCES auth_users (id),
  patient_id text NOT NULL,
  encounter_id text,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
ALTER TABLE auth_grants ADD COLUMN ehr_launch boolean NOT NULL DEFAULT false;
)SQL"},
      // Searches join each condition back to the resource by (type, id): with the id right
      // after the searched value, that probe is one index seek instead of a scan of every entry
      // with the value; probing a resource's tokens by (type, id, param, code) needs no table read. The extended statistics stop the planner multiplying the selectivities
      // of type, parameter and value as if they were independent (they are not), which made it
      // expect one row where there were thousands. resources_live lets a search find its page of
      // keys without reading any resource's content.
      {8, "search index order and statistics", R"SQL(
DROP INDEX search_token_code;
CREATE INDEX search_token_code ON search_token (resource_type, param, code, id, system);
DROP INDEX search_token_resource;
CREATE INDEX search_token_resource ON search_token (resource_type, id, param, code);
DROP INDEX search_reference_target;
CREATE INDEX search_reference_target ON search_reference (resource_type, param, target_id, id, target_type);
CREATE STATISTICS search_token_stats (mcv, dependencies) ON resource_type, param, code FROM search_token;
CREATE STATISTICS search_reference_stats (mcv, dependencies) ON resource_type, param, target_type FROM search_reference;
CREATE STATISTICS search_string_stats (mcv, dependencies) ON resource_type, param FROM search_string;
CREATE STATISTICS search_date_stats (mcv, dependencies) ON resource_type, param FROM search_date;
CREATE STATISTICS search_number_stats (mcv, dependencies) ON resource_type, param, code FROM search_number;
CREATE INDEX resources_live ON resources (resource_type, id) INCLUDE (last_updated) WHERE NOT deleted;
)SQL"},
      // A composite's key token and the value paired with it, in the columns the value's own
      // kind uses elsewhere (system/code, value, value_norm, low/high). Filled by `flint reindex`
      // for resources stored before.
      {9, "composite index", R"SQL(
CREATE TABLE search_composite (
  resource_type text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  param text COLLATE "C" NOT NULL,
  key_system text COLLATE "C",
  key_code text COLLATE "C" NOT NULL,
  system text COLLATE "C",
  code text COLLATE "C",
  value numeric,
  value_norm text COLLATE "C",
  low bigint,
  high bigint
);
CREATE INDEX search_composite_key ON search_composite (resource_type, param, key_code, id);
CREATE INDEX search_composite_resource ON search_composite (resource_type, id);
CREATE STATISTICS search_composite_stats (mcv, dependencies) ON resource_type, param, key_code FROM search_composite;
)SQL"},
      // A resource's entries are found by its id first: ids are nearly unique across types, so
      // building these indexes compares (mostly abbreviated) ids instead of walking past the
      // type, which every entry of a type shares; a bulk load builds them about twice as fast.
      {10, "resource entry indexes by id", R"SQL(
DROP INDEX search_token_resource;
CREATE INDEX search_token_resource ON search_token (id, resource_type, param, code);
DROP INDEX search_string_resource;
CREATE INDEX search_string_resource ON search_string (id, resource_type);
DROP INDEX search_reference_resource;
CREATE INDEX search_reference_resource ON search_reference (id, resource_type);
DROP INDEX search_date_resource;
CREATE INDEX search_date_resource ON search_date (id, resource_type);
DROP INDEX search_number_resource;
CREATE INDEX search_number_resource ON search_number (id, resource_type);
DROP INDEX search_composite_resource;
CREATE INDEX search_composite_resource ON search_composite (id, resource_type);
)SQL"},
      // Index rows name their parameter by an int4 key (fhir_resources/storage/param_key.h)
      // instead of type and parameter name. Every value index used to start with two text
      // columns all of a parameter's entries share, so each comparison while building or
      // probing walked them first; leading with one integer builds these indexes about twice as
      // fast. The type stays in the rows (results join back by type and id) but rides along in
      // the indexes unsorted, as the key implies it.
      {11, "search index parameter keys", R"SQL(
DROP INDEX search_token_code, search_token_resource;
DROP STATISTICS search_token_stats;
ALTER TABLE search_token ALTER COLUMN param TYPE int USING ('x' || left(md5(resource_type || '.' || param), 8))::bit(32)::int;
ALTER TABLE search_token RENAME COLUMN param TO param_key;
CREATE INDEX search_token_code ON search_token (param_key, code, id) INCLUDE (resource_type, system);
CREATE INDEX search_token_resource ON search_token (id, param_key, code) INCLUDE (resource_type);
CREATE STATISTICS search_token_stats (mcv, dependencies) ON param_key, code FROM search_token;
DROP INDEX search_string_value, search_string_resource;
DROP STATISTICS search_string_stats;
ALTER TABLE search_string ALTER COLUMN param TYPE int USING ('x' || left(md5(resource_type || '.' || param), 8))::bit(32)::int;
ALTER TABLE search_string RENAME COLUMN param TO param_key;
CREATE INDEX search_string_value ON search_string (param_key, value_norm, id) INCLUDE (resource_type);
CREATE INDEX search_string_resource ON search_string (id) INCLUDE (resource_type);
DROP INDEX search_reference_target, search_reference_resource;
DROP STATISTICS search_reference_stats;
ALTER TABLE search_reference ALTER COLUMN param TYPE int USING ('x' || left(md5(resource_type || '.' || param), 8))::bit(32)::int;
ALTER TABLE search_reference RENAME COLUMN param TO param_key;
CREATE INDEX search_reference_target ON search_reference (param_key, target_id, id) INCLUDE (resource_type, target_type);
CREATE INDEX search_reference_resource ON search_reference (id) INCLUDE (resource_type);
CREATE STATISTICS search_reference_stats (mcv, dependencies) ON param_key, target_type FROM search_reference;
DROP INDEX search_date_range, search_date_resource;
DROP STATISTICS search_date_stats;
ALTER TABLE search_date ALTER COLUMN param TYPE int USING ('x' || left(md5(resource_type || '.' || param), 8))::bit(32)::int;
ALTER TABLE search_date RENAME COLUMN param TO param_key;
CREATE INDEX search_date_range ON search_date (param_key, low, high, id) INCLUDE (resource_type);
CREATE INDEX search_date_resource ON search_date (id) INCLUDE (resource_type);
DROP INDEX search_number_value, search_number_resource;
DROP STATISTICS search_number_stats;
ALTER TABLE search_number ALTER COLUMN param TYPE int USING ('x' || left(md5(resource_type || '.' || param), 8))::bit(32)::int;
ALTER TABLE search_number RENAME COLUMN param TO param_key;
CREATE INDEX search_number_value ON search_number (param_key, value, id) INCLUDE (resource_type);
CREATE INDEX search_number_resource ON search_number (id) INCLUDE (resource_type);
CREATE STATISTICS search_number_stats (mcv, dependencies) ON param_key, code FROM search_number;
DROP INDEX search_composite_key, search_composite_resource;
DROP STATISTICS search_composite_stats;
ALTER TABLE search_composite ALTER COLUMN param TYPE int USING ('x' || left(md5(resource_type || '.' || param), 8))::bit(32)::int;
ALTER TABLE search_composite RENAME COLUMN param TO param_key;
CREATE INDEX search_composite_key ON search_composite (param_key, key_code, id) INCLUDE (resource_type);
CREATE INDEX search_composite_resource ON search_composite (id) INCLUDE (resource_type);
CREATE STATISTICS search_composite_stats (mcv, dependencies) ON param_key, key_code FROM search_composite;
)SQL"},
      // The primary key carries what resources_live held (a search's page of keys, found without
      // reading content; deleted rows filtered in the index), so every write updates one index
      // fewer. Resource JSON over 2 kB is compressed with lz4 where the server has it: several
      // times faster than pglz both ways.
      {12, "resource key covers live lookups; lz4 content", R"SQL(
ALTER TABLE resources DROP CONSTRAINT resources_pkey,
  ADD CONSTRAINT resources_pkey PRIMARY KEY (resource_type, id) INCLUDE (last_updated, deleted);
DROP INDEX resources_live;
DO $$
BEGIN
  ALTER TABLE resources ALTER COLUMN content SET COMPRESSION lz4;
  ALTER TABLE resource_history ALTER COLUMN content SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN NULL;
END $$;
)SQL"},
      // resource_history holds superseded versions only; the current version (with its method) is
      // the resources row. A create then writes one row and its indexes instead of two, and
      // history reads both tables (resources_updated serves the system level).
      {13, "history of superseded versions only", R"SQL(
ALTER TABLE resources ADD COLUMN method text NOT NULL DEFAULT 'POST';
UPDATE resources r SET method = h.method FROM resource_history h
  WHERE h.resource_type = r.resource_type AND h.id = r.id AND h.version_id = r.version_id;
DELETE FROM resource_history h USING resources r
  WHERE h.resource_type = r.resource_type AND h.id = r.id AND h.version_id = r.version_id;
ALTER TABLE resources ALTER COLUMN method DROP DEFAULT;
CREATE INDEX resources_updated ON resources (last_updated);
)SQL"},
      // Index rows no longer name their resource's type: the parameter key implies it
      // (fhir_resources/storage/param_key.h). Every row and index entry is some 12 bytes smaller,
      // and the indexes by id alone, with nothing included, deduplicate.
      {14, "index rows without the resource type", R"SQL(
DROP INDEX search_token_code, search_token_resource;
ALTER TABLE search_token DROP COLUMN resource_type;
CREATE INDEX search_token_code ON search_token (param_key, code, id) INCLUDE (system);
CREATE INDEX search_token_resource ON search_token (id, param_key, code);
DROP INDEX search_string_value, search_string_resource;
ALTER TABLE search_string DROP COLUMN resource_type;
CREATE INDEX search_string_value ON search_string (param_key, value_norm, id);
CREATE INDEX search_string_resource ON search_string (id);
DROP INDEX search_reference_target, search_reference_resource;
ALTER TABLE search_reference DROP COLUMN resource_type;
CREATE INDEX search_reference_target ON search_reference (param_key, target_id, id) INCLUDE (target_type);
CREATE INDEX search_reference_resource ON search_reference (id);
DROP INDEX search_date_range, search_date_resource;
ALTER TABLE search_date DROP COLUMN resource_type;
CREATE INDEX search_date_range ON search_date (param_key, low, high, id);
CREATE INDEX search_date_resource ON search_date (id);
DROP INDEX search_number_value, search_number_resource;
ALTER TABLE search_number DROP COLUMN resource_type;
CREATE INDEX search_number_value ON search_number (param_key, value, id);
CREATE INDEX search_number_resource ON search_number (id);
DROP INDEX search_composite_key, search_composite_resource;
ALTER TABLE search_composite DROP COLUMN resource_type;
CREATE INDEX search_composite_key ON search_composite (param_key, key_code, id);
CREATE INDEX search_composite_resource ON search_composite (id);
)SQL"},
      // A relative reference's row no longer repeats it as url: its target columns say it all,
      // and searches by URL only look for absolute, versioned and canonical ones.
      {15, "reference url only where it says more", R"SQL(
ALTER TABLE search_reference ALTER COLUMN url DROP NOT NULL;
)SQL"},
      // No search compares a resource's JSON, so statistics of it only cost ANALYZE time (about a
      // quarter of the table's).
      {16, "no statistics of resource content", R"SQL(
ALTER TABLE resources ALTER COLUMN content SET STATISTICS 0;
)SQL"},
      // A Bulk Data export's output: files of one resource type each (or of its deletions, with
      // _since), made of chunks that each
      // commit with the job's progress, so a resumed job neither repeats nor skips a resource. A
      // chunk names its resources (ids, in order) rather than copying their JSON, which a
      // download reads as of the job's transaction time; byte_offset (the chunk's first byte in
      // its file) and bytes serve Content-Length and Range requests. export_references: the
      // supporting resources (practitioners, organizations, ...) a Patient or Group export's
      // resources reference, which it exports after them.
      {17, "bulk export files", R"SQL(
CREATE TABLE export_files (
  job_id text NOT NULL,
  seq int NOT NULL,
  resource_type text NOT NULL,
  deletions boolean NOT NULL DEFAULT false,
  lines bigint NOT NULL DEFAULT 0,
  bytes bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (job_id, seq)
);
CREATE TABLE export_chunks (
  job_id text NOT NULL,
  file_seq int NOT NULL,
  chunk_no int NOT NULL,
  byte_offset bigint NOT NULL,
  bytes bigint NOT NULL,
  ids text[] NOT NULL,
  PRIMARY KEY (job_id, file_seq, chunk_no)
);
CREATE TABLE export_references (
  job_id text NOT NULL,
  resource_type text NOT NULL,
  id text NOT NULL,
  PRIMARY KEY (job_id, resource_type, id)
);
)SQL"},
      // The JSON's length beside each resource's key: an export step learns the lengths of its
      // resources from the primary key alone (an index-only scan) instead of visiting every row.
      {18, "resource lengths in the key", R"SQL(
ALTER TABLE resources ADD COLUMN content_bytes int GENERATED ALWAYS AS (octet_length(content)) STORED;
ALTER TABLE resources DROP CONSTRAINT resources_pkey,
  ADD CONSTRAINT resources_pkey PRIMARY KEY (resource_type, id) INCLUDE (last_updated, deleted, content_bytes);
)SQL"},
      // Plugins and their custom data namespaces (custom_data/). A namespace's tables live in a
      // schema of their own, named from a sequence, never from the namespace's (user-given) name.
      {19, "plugins and custom data namespaces", R"SQL(
CREATE SEQUENCE custom_data_namespace_seq;
CREATE TABLE custom_data_namespaces (
  name text COLLATE "C" PRIMARY KEY,
  schema_name text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE plugins (
  name text COLLATE "C" PRIMARY KEY,
  plugin_version text NOT NULL,
  namespace text REFERENCES custom_data_namespaces (name),
  access text CHECK (access IN ('read', 'read_write')),
  manifest jsonb NOT NULL,
  installed_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((namespace IS NULL) = (access IS NULL))
);
)SQL"},
      // Staff who decide for the practice which population apps may use its data.
      {20, "practice admins", R"SQL(
ALTER TABLE auth_users ADD COLUMN practice_admin boolean NOT NULL DEFAULT false;
)SQL"},
      // The provider companion's applications, each a SMART client of the instance.
      {21, "companion applications", R"SQL(
CREATE TABLE companion_apps (
  plugin text COLLATE "C" NOT NULL,
  key text NOT NULL,
  name text NOT NULL,
  description text NOT NULL,
  icon text NOT NULL,
  scope text NOT NULL CHECK (scope IN ('global', 'patient_specific', 'note_specific')),
  menu_position text NOT NULL,
  menu_order int NOT NULL,
  launch_url text NOT NULL,
  client_id text NOT NULL UNIQUE,
  PRIMARY KEY (plugin, key)
);
)SQL"},
      // A launch the companion makes: the staff user is the one signed in to the companion and
      // the practice installed the app, so the authorization completes without a page. What the
      // app's frame may do comes from the manifest's url_permissions.
      {22, "companion launches", R"SQL(
ALTER TABLE auth_launches ADD COLUMN companion boolean NOT NULL DEFAULT false;
ALTER TABLE companion_apps ADD COLUMN frame_permissions text NOT NULL DEFAULT '';
)SQL"},
      // An export's progress beside its files, so that a step's chunk and progress commit
      // together on the instance's cluster; `attempt` fences all but the last claim of the job.
      {23, "bulk export progress", R"SQL(
CREATE TABLE export_progress (
  job_id text PRIMARY KEY,
  attempt int NOT NULL,
  type_index int NOT NULL,
  after_id text NOT NULL,
  file_seq int NOT NULL,
  exported bigint NOT NULL
);
)SQL"},
      // Index rows name their resource by a number (`rid`, 8 bytes) instead of its id (a UUID is 37):
      // every row and index entry is some 29 bytes smaller, and a resource's rows no longer need
      // its type's keys to tell them from another type's resource of the same id. A number's
      // high bits are its patient compartment's (fhir_resources/storage/resource_number.h), so a
      // patient's resources are neighbours in every index by number. Rows of an id that two live
      // resources share cannot be told apart here and are dropped: such instances are reindexed
      // (`flint reindex --outdated`, which `flint serve` asks for). The token statistics keep the
      // thousand commonest parameter-and-code pairs: with a hundred, a code on 0.2% of the rows
      // (a Condition category among a million resources) was taken for six rows, and a _has
      // scanned all of them for each of a patient's Conditions instead of probing each.
      {24, "index rows keyed by resource number", R"SQL(
CREATE SEQUENCE resource_rid;
ALTER TABLE resources ADD COLUMN rid bigint NOT NULL DEFAULT nextval('resource_rid');
ALTER TABLE resources ALTER COLUMN rid DROP DEFAULT;
CREATE UNIQUE INDEX resources_rid ON resources (rid) INCLUDE (resource_type, id);
CREATE INDEX resources_type_rid ON resources (resource_type, rid) WHERE NOT deleted;
ALTER TABLE resources DROP CONSTRAINT resources_pkey,
  ADD CONSTRAINT resources_pkey PRIMARY KEY (resource_type, id) INCLUDE (last_updated, deleted, content_bytes, rid);
CREATE TEMP TABLE flint_rid_of ON COMMIT DROP AS
  SELECT id, min(rid) AS rid FROM resources WHERE NOT deleted GROUP BY id HAVING count(*) = 1;
CREATE TABLE search_token_new AS SELECT u.rid, x.param_key, x.system, x.code, x.text_norm
  FROM search_token x JOIN flint_rid_of u ON u.id = x.id;
CREATE TABLE search_string_new AS SELECT u.rid, x.param_key, x.value_norm, x.value
  FROM search_string x JOIN flint_rid_of u ON u.id = x.id;
CREATE TABLE search_reference_new AS SELECT u.rid, x.param_key, x.target_type, x.target_id, x.url
  FROM search_reference x JOIN flint_rid_of u ON u.id = x.id;
CREATE TABLE search_date_new AS SELECT u.rid, x.param_key, x.low, x.high
  FROM search_date x JOIN flint_rid_of u ON u.id = x.id;
CREATE TABLE search_number_new AS SELECT u.rid, x.param_key, x.value, x.system, x.code
  FROM search_number x JOIN flint_rid_of u ON u.id = x.id;
CREATE TABLE search_composite_new AS SELECT u.rid, x.param_key, x.key_system, x.key_code, x.system, x.code, x.value,
  x.value_norm, x.low, x.high FROM search_composite x JOIN flint_rid_of u ON u.id = x.id;
DROP TABLE search_token, search_string, search_reference, search_date, search_number, search_composite;
ALTER TABLE search_token_new RENAME TO search_token;
ALTER TABLE search_string_new RENAME TO search_string;
ALTER TABLE search_reference_new RENAME TO search_reference;
ALTER TABLE search_date_new RENAME TO search_date;
ALTER TABLE search_number_new RENAME TO search_number;
ALTER TABLE search_composite_new RENAME TO search_composite;
ALTER TABLE search_token ALTER COLUMN rid SET NOT NULL, ALTER COLUMN param_key SET NOT NULL;
ALTER TABLE search_string ALTER COLUMN rid SET NOT NULL, ALTER COLUMN param_key SET NOT NULL,
  ALTER COLUMN value_norm SET NOT NULL, ALTER COLUMN value SET NOT NULL;
ALTER TABLE search_reference ALTER COLUMN rid SET NOT NULL, ALTER COLUMN param_key SET NOT NULL;
ALTER TABLE search_date ALTER COLUMN rid SET NOT NULL, ALTER COLUMN param_key SET NOT NULL,
  ALTER COLUMN low SET NOT NULL, ALTER COLUMN high SET NOT NULL;
ALTER TABLE search_number ALTER COLUMN rid SET NOT NULL, ALTER COLUMN param_key SET NOT NULL,
  ALTER COLUMN value SET NOT NULL;
ALTER TABLE search_composite ALTER COLUMN rid SET NOT NULL, ALTER COLUMN param_key SET NOT NULL,
  ALTER COLUMN key_code SET NOT NULL;
CREATE INDEX search_token_code ON search_token (param_key, code, rid) INCLUDE (system);
CREATE INDEX search_token_resource ON search_token (rid, param_key, code);
CREATE INDEX search_string_value ON search_string (param_key, value_norm, rid);
CREATE INDEX search_string_resource ON search_string (rid);
CREATE INDEX search_reference_target ON search_reference (param_key, target_id, rid) INCLUDE (target_type);
CREATE INDEX search_reference_resource ON search_reference (rid);
CREATE INDEX search_date_range ON search_date (param_key, low, high, rid);
CREATE INDEX search_date_resource ON search_date (rid);
CREATE INDEX search_number_value ON search_number (param_key, value, rid);
CREATE INDEX search_number_resource ON search_number (rid);
CREATE INDEX search_composite_key ON search_composite (param_key, key_code, rid);
CREATE INDEX search_composite_resource ON search_composite (rid);
CREATE STATISTICS search_token_stats (mcv, dependencies) ON param_key, code FROM search_token;
ALTER STATISTICS search_token_stats SET STATISTICS 1000;
CREATE STATISTICS search_reference_stats (mcv, dependencies) ON param_key, target_type FROM search_reference;
CREATE STATISTICS search_number_stats (mcv, dependencies) ON param_key, code FROM search_number;
CREATE STATISTICS search_composite_stats (mcv, dependencies) ON param_key, key_code FROM search_composite;
)SQL"},
      // Dated tokens' entries (fhir_resources/search/index/dated_tokens.h) in the order of their
      // -date sort, latest end first: search index version 5 writes them.
      {25, "composite entries by date", R"SQL(
CREATE INDEX search_composite_dated ON search_composite (param_key, key_code, high DESC NULLS LAST, rid)
  WHERE high IS NOT NULL;
)SQL"},
      // Resource JSON is stored compressed by the server (fhir_resources/storage/stored_content.h):
      // PostgreSQL compresses nothing under about 2 kB, which is most resources. Rows written
      // before stay as they were (JSON text as bytes); content_bytes, the JSON's length, is now
      // written with each version rather than computed from the stored bytes. Stored values are
      // zstd frames already: out of line when large, not compressed a second time. A schema
      // whose version was set back past this one by hand (as tests of migration 24 do) keeps its
      // bytea content: compressed JSON has no text form to go back to.
      {26, "resource content compressed by the server", R"SQL(
DO $$
BEGIN
  IF (SELECT atttypid FROM pg_attribute WHERE attrelid = 'resources'::regclass AND attname = 'content')
      = 'text'::regtype THEN
    ALTER TABLE resources ALTER COLUMN content_bytes DROP EXPRESSION;
    ALTER TABLE resources ALTER COLUMN content TYPE bytea USING convert_to(content, 'UTF8');
    ALTER TABLE resource_history ALTER COLUMN content TYPE bytea USING convert_to(content, 'UTF8');
    ALTER TABLE resources ALTER COLUMN content SET STORAGE EXTERNAL;
    ALTER TABLE resource_history ALTER COLUMN content SET STORAGE EXTERNAL;
  END IF;
END $$;
)SQL"},
      // Systems (of tokens, composites' parts and quantities' units) are kept as 64-bit keys
      // (fhir_resources/storage/param_key.h): a system URI was 37 bytes on average, in the row
      // and, for tokens, again in the code index. A resource's token rows are found by number
      // alone (8 bytes a key, deduplicated, where the key with parameter and code was 58): a
      // probe for one parameter and code descends the code index, whose key ends in the number.
      // Composite entries with dates (the dated tokens' entries, over half of them) are read by
      // search_composite_dated alone and leave search_composite_key. Type history and
      // _lastUpdated find resources by type and time without their ids in the index (37 bytes an
      // entry), as resource_history_type_updated always has: ties in time are few and sorted as
      // they are read. resources_rid leaves out the type and id (52 of its 60 bytes an entry):
      // the few callers that need them by number (a chain's targets) read a heap page each.
      // Idempotent like migration 26.
      {27, "systems keyed, token rows found by number alone", R"SQL(
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'search_token'::regclass AND attname = 'system') THEN
    DROP INDEX search_token_code, search_token_resource;
    ALTER TABLE search_token ALTER COLUMN system TYPE bigint USING ('x' || left(md5(system), 16))::bit(64)::bigint;
    ALTER TABLE search_token RENAME COLUMN system TO system_key;
    CREATE INDEX search_token_code ON search_token (param_key, code, rid) INCLUDE (system_key);
    CREATE INDEX search_token_resource ON search_token (rid);
    ALTER TABLE search_composite
      ALTER COLUMN key_system TYPE bigint USING ('x' || left(md5(key_system), 16))::bit(64)::bigint,
      ALTER COLUMN system TYPE bigint USING ('x' || left(md5(system), 16))::bit(64)::bigint;
    ALTER TABLE search_composite RENAME COLUMN key_system TO key_system_key;
    ALTER TABLE search_composite RENAME COLUMN system TO system_key;
    ALTER TABLE search_number ALTER COLUMN system TYPE bigint USING ('x' || left(md5(system), 16))::bit(64)::bigint;
    ALTER TABLE search_number RENAME COLUMN system TO system_key;
    DROP INDEX search_composite_key;
    CREATE INDEX search_composite_key ON search_composite (param_key, key_code, rid) WHERE high IS NULL;
    DROP INDEX resources_type_updated;
    CREATE INDEX resources_type_updated ON resources (resource_type, last_updated);
    DROP INDEX resources_rid;
    CREATE UNIQUE INDEX resources_rid ON resources (rid);
  END IF;
END $$;
)SQL"},
      // A reference's target id is kept as bytes (fhir_resources/storage/target_id.h, whose SQL
      // form this repeats): a UUID as its 16, where its text took 37 in the row and again in the
      // index by target; other ids as they are (with a zero byte after those of 16 bytes).
      // Tokens', numbers' and composites' rows put their 8-byte columns first: a 4-byte key
      // before an 8-byte one left 4 bytes of padding (and a composite's text before its dates up
      // to 7 more), some 25 bytes per resource. PostgreSQL cannot reorder columns, so those
      // tables are rewritten. Idempotent like migration 26.
      {28, "reference target ids as bytes, fixed-width columns first", R"SQL(
DO $$
BEGIN
  IF (SELECT atttypid FROM pg_attribute WHERE attrelid = 'search_reference'::regclass AND attname = 'target_id')
      = 'text'::regtype THEN
    ALTER TABLE search_reference ALTER COLUMN target_id TYPE bytea USING CASE
      WHEN target_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
        THEN decode(replace(target_id, '-', ''), 'hex')
      WHEN octet_length(target_id) = 16 THEN convert_to(target_id, 'UTF8') || '\x00'::bytea
      ELSE convert_to(target_id, 'UTF8') END;
  END IF;
  IF (SELECT attnum FROM pg_attribute WHERE attrelid = 'search_token'::regclass AND attname = 'param_key')
      < (SELECT attnum FROM pg_attribute WHERE attrelid = 'search_token'::regclass AND attname = 'system_key') THEN
    CREATE TABLE search_token_new (rid bigint NOT NULL, system_key bigint, param_key int NOT NULL,
      code text COLLATE "C", text_norm text COLLATE "C");
    INSERT INTO search_token_new SELECT rid, system_key, param_key, code, text_norm FROM search_token;
    DROP TABLE search_token;
    ALTER TABLE search_token_new RENAME TO search_token;
    CREATE INDEX search_token_code ON search_token (param_key, code, rid) INCLUDE (system_key);
    CREATE INDEX search_token_resource ON search_token (rid);
    CREATE STATISTICS search_token_stats (mcv, dependencies) ON param_key, code FROM search_token;
    ALTER STATISTICS search_token_stats SET STATISTICS 1000;

    CREATE TABLE search_number_new (rid bigint NOT NULL, system_key bigint, param_key int NOT NULL,
      value numeric NOT NULL, code text COLLATE "C");
    INSERT INTO search_number_new SELECT rid, system_key, param_key, value, code FROM search_number;
    DROP TABLE search_number;
    ALTER TABLE search_number_new RENAME TO search_number;
    CREATE INDEX search_number_value ON search_number (param_key, value, rid);
    CREATE INDEX search_number_resource ON search_number (rid);
    CREATE STATISTICS search_number_stats (mcv, dependencies) ON param_key, code FROM search_number;

    CREATE TABLE search_composite_new (rid bigint NOT NULL, key_system_key bigint, system_key bigint, low bigint,
      high bigint, param_key int NOT NULL, key_code text COLLATE "C" NOT NULL, code text COLLATE "C", value numeric,
      value_norm text COLLATE "C");
    INSERT INTO search_composite_new SELECT rid, key_system_key, system_key, low, high, param_key, key_code, code, value,
      value_norm FROM search_composite;
    DROP TABLE search_composite;
    ALTER TABLE search_composite_new RENAME TO search_composite;
    CREATE INDEX search_composite_key ON search_composite (param_key, key_code, rid) WHERE high IS NULL;
    CREATE INDEX search_composite_dated ON search_composite (param_key, key_code, high DESC NULLS LAST, rid)
      WHERE high IS NOT NULL;
    CREATE INDEX search_composite_resource ON search_composite (rid);
    CREATE STATISTICS search_composite_stats (mcv, dependencies) ON param_key, key_code FROM search_composite;
  END IF;
END $$;
)SQL"},
  };
  return migrations;
}

int migrateInstanceSchema(pqxx::work& tx, const std::string& schema, int knownVersion) {
  const std::string quoted = quoteIdentifier(schema);
  tx.exec0("CREATE SCHEMA IF NOT EXISTS " + quoted);
  // The schema records its own version, so it migrates on whichever cluster holds it and a copy
  // carries it along; the control schema's column only says which instances may be behind.
  tx.exec0("CREATE TABLE IF NOT EXISTS " + quoted + ".schema_version (version int NOT NULL)");
  tx.exec0("LOCK TABLE " + quoted + ".schema_version IN EXCLUSIVE MODE");
  auto row = tx.exec("SELECT version FROM " + quoted + ".schema_version");
  int current = knownVersion;
  if (row.empty())
    tx.exec_params0("INSERT INTO " + quoted + ".schema_version (version) VALUES ($1)", knownVersion);
  else
    current = row[0][0].as<int>();
  const int recorded = current;
  tx.exec0("SET LOCAL search_path TO " + quoted);
  for (const auto& m : instanceMigrations()) {
    if (m.version <= current) continue;
    tx.exec0(m.sql);
    current = m.version;
  }
  tx.exec0("SET LOCAL search_path TO DEFAULT");
  if (current != recorded) tx.exec_params0("UPDATE " + quoted + ".schema_version SET version = $1", current);
  return current;
}

void migrateAll(pqxx::connection& conn) {
  pqxx::nontransaction lock(conn);
  lock.exec_params("SELECT pg_advisory_lock($1)", kMigrationLock);
  lock.commit();
  try {
    {
      pqxx::work tx(conn);
      tx.exec0("CREATE SCHEMA IF NOT EXISTS flint");
      tx.exec0(
          "CREATE TABLE IF NOT EXISTS flint.schema_migrations ("
          " version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
      tx.commit();
    }
    int applied;
    {
      pqxx::nontransaction q(conn);
      applied = q.exec1("SELECT coalesce(max(version), 0) FROM flint.schema_migrations")[0].as<int>();
    }
    for (const auto& m : controlMigrations()) {
      if (m.version <= applied) continue;
      pqxx::work tx(conn);
      tx.exec0(m.sql);
      tx.exec_params0("INSERT INTO flint.schema_migrations (version, name) VALUES ($1, $2)", m.version, m.name);
      tx.commit();
    }
    const int latest = instanceMigrations().back().version;
    pqxx::result behind;
    {
      pqxx::nontransaction q(conn);
      behind = q.exec_params(
          "SELECT i.id, i.schema_name, i.schema_version, coalesce(c.database_url, '') FROM flint.instances i"
          " JOIN flint.clusters c ON c.name = i.cluster WHERE i.schema_version < $1 ORDER BY c.name",
          latest);
    }
    std::map<std::string, std::unique_ptr<pqxx::connection>> clusters;
    for (const auto& row : behind) {
      const std::string url = row[3].as<std::string>();
      auto& data = clusters[url];
      if (!url.empty() && !data) data = std::make_unique<pqxx::connection>(url);
      pqxx::work tx(url.empty() ? conn : *data);
      const int version = migrateInstanceSchema(tx, row[1].as<std::string>(), row[2].as<int>());
      tx.commit();
      pqxx::work record(conn);
      record.exec_params0("UPDATE flint.instances SET schema_version = $2 WHERE id = $1", row[0].as<long long>(),
                          version);
      record.commit();
    }
  } catch (...) {
    pqxx::nontransaction unlock(conn);
    unlock.exec_params("SELECT pg_advisory_unlock($1)", kMigrationLock);
    throw;
  }
  pqxx::nontransaction unlock(conn);
  unlock.exec_params("SELECT pg_advisory_unlock($1)", kMigrationLock);
}

}  // namespace flint::db
