-- Shared state of every bot and worker instance: the audit trail, MFA enrolments, Slack delivery dedupe,
-- alert state and security waivers. Applied once, in a transaction, by adapters/store/postgres/migrate.ts.

-- The audit trail. `line` is the record exactly as the JSON-lines file store writes it (the hash chain covers its
-- fields in that key order), so the export is `SELECT line ... ORDER BY seq`. The other columns are for queries.
CREATE TABLE audit_records (
  seq          bigint PRIMARY KEY CHECK (seq > 0),
  key          text NOT NULL UNIQUE,             -- idempotency: a retried append finds the first record
  action       text NOT NULL,
  actor        text NOT NULL,
  operation_id text NOT NULL,
  environment  text NOT NULL,
  at           timestamptz NOT NULL,
  prev_hash    char(64) NOT NULL,
  hash         char(64) NOT NULL UNIQUE,
  line         text NOT NULL
);
CREATE INDEX audit_records_operation ON audit_records (operation_id, seq);

-- The chain head: one row, locked (SELECT ... FOR UPDATE) by every append, so seq is gap-free and each record
-- chains onto the one before it whichever instance wrote it.
CREATE TABLE audit_chain_head (
  one  boolean PRIMARY KEY DEFAULT true CHECK (one),
  seq  bigint NOT NULL,
  hash char(64) NOT NULL
);
INSERT INTO audit_chain_head (one, seq, hash) VALUES (true, 0, repeat('0', 64));

-- Append-only: whoever connects, an UPDATE, DELETE or TRUNCATE of the trail is refused.
CREATE FUNCTION audit_records_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit trail is append-only: % on audit_records refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE ON audit_records
  FOR EACH ROW EXECUTE FUNCTION audit_records_refuse_change();
CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records
  FOR EACH STATEMENT EXECUTE FUNCTION audit_records_refuse_change();

-- MFA: one row per person, `record` holding the AES-256-GCM sealed TOTP secret (iv, tag, data), the last used
-- time step and the lockout state. NULL record = a row that exists only to be locked (never enrolled).
-- Every check and every use runs in one transaction holding the row lock, so a code is used once across instances.
CREATE TABLE mfa_enrolments (
  user_id    text PRIMARY KEY,
  record     jsonb,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Slack deliveries already handled: the first INSERT of a key wins (ON CONFLICT DO NOTHING), old keys are swept.
CREATE TABLE slack_deliveries (
  key_hash text PRIMARY KEY,
  seen_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX slack_deliveries_seen ON slack_deliveries (seen_at);

-- On-call alert state: the latest record per alert key.
CREATE TABLE alert_state (
  key        text PRIMARY KEY,
  record     jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Security waivers: added once per id (a retried grant is the same waiver), revoked once (the first revoke stays).
CREATE TABLE waivers (
  n           bigserial UNIQUE,
  id          text PRIMARY KEY,
  environment text NOT NULL,
  waiver      jsonb NOT NULL
);
