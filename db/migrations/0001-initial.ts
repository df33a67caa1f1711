import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/**
 * The first schema. Constraints that guard money live here, in the database, so that
 * no code path and no concurrency can break them: commitments and spending never exceed
 * an appropriation, a payment is approved by someone other than who prepared it, and
 * every payment reference is unique.
 */
export const up: MigrationFn<QueryInterface> = async ({ context: db }) => {
  await db.sequelize.query(`
    CREATE TABLE regions (
      code text PRIMARY KEY,
      name text NOT NULL,
      level text NOT NULL CHECK (level IN ('city', 'district', 'township')),
      parent_code text REFERENCES regions(code),
      synthetic boolean NOT NULL DEFAULT false
    );

    CREATE TABLE users (
      id uuid PRIMARY KEY,
      username text NOT NULL UNIQUE,
      display_name text NOT NULL,
      email text NOT NULL,
      password_hash text NOT NULL,
      role text NOT NULL CHECK (role IN ('applicant', 'township_reviewer', 'district_assessor',
        'district_reviewer', 'city_reviewer', 'finance_officer', 'admin')),
      region_code text NOT NULL REFERENCES regions(code),
      organisation_credit_code text,
      organisation_name text,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE programs (
      code text PRIMARY KEY,
      name text NOT NULL,
      policy_clause text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE program_parameters (
      id serial PRIMARY KEY,
      program_code text NOT NULL REFERENCES programs(code),
      name text NOT NULL,
      value jsonb NOT NULL,
      effective_from date NOT NULL,
      effective_to date,
      policy_clause text NOT NULL,
      is_example boolean NOT NULL DEFAULT false,
      description text NOT NULL,
      UNIQUE (program_code, name, effective_from),
      CHECK (effective_to IS NULL OR effective_to > effective_from)
    );

    CREATE TABLE fund_sources (
      code text PRIMARY KEY,
      name text NOT NULL,
      is_welfare_lottery boolean NOT NULL DEFAULT false
    );

    CREATE TABLE appropriations (
      id serial PRIMARY KEY,
      program_code text NOT NULL REFERENCES programs(code),
      year integer NOT NULL,
      fund_source_code text NOT NULL REFERENCES fund_sources(code),
      amount_fen bigint NOT NULL CHECK (amount_fen >= 0),
      committed_fen bigint NOT NULL DEFAULT 0 CHECK (committed_fen >= 0),
      spent_fen bigint NOT NULL DEFAULT 0 CHECK (spent_fen >= 0),
      UNIQUE (program_code, year, fund_source_code),
      CONSTRAINT appropriation_not_exceeded CHECK (committed_fen + spent_fen <= amount_fen)
    );

    -- Human-readable numbers: application references and notice document numbers.
    CREATE SEQUENCE application_reference_seq;
    CREATE SEQUENCE notice_number_seq;

    CREATE TABLE applications (
      id uuid PRIMARY KEY,
      reference text NOT NULL UNIQUE,
      program_code text NOT NULL REFERENCES programs(code),
      program_year integer NOT NULL,
      status text NOT NULL,
      stage text,
      applicant_user_id uuid NOT NULL REFERENCES users(id),
      idempotency_key text,
      organisation_credit_code text NOT NULL,
      organisation_name text NOT NULL,
      contact_email text NOT NULL,
      district_code text NOT NULL REFERENCES regions(code),
      township_code text NOT NULL REFERENCES regions(code),
      bank_account_name text NOT NULL,
      bank_account_number text NOT NULL,
      bank_name text NOT NULL,
      award_fen bigint CHECK (award_fen >= 0),
      award_calculation jsonb,
      appropriation_id integer REFERENCES appropriations(id),
      submitted_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      UNIQUE (applicant_user_id, idempotency_key)
    );
    CREATE INDEX applications_status ON applications(status);

    CREATE TABLE beds (
      id uuid PRIMARY KEY,
      application_id uuid NOT NULL REFERENCES applications(id),
      sequence integer NOT NULL,
      person_name_sealed text NOT NULL,
      person_name_masked text NOT NULL,
      id_number_sealed text NOT NULL,
      id_number_digest text NOT NULL,
      id_number_masked text NOT NULL,
      address text NOT NULL,
      accepted_on date NOT NULL,
      inspection_result text CHECK (inspection_result IN ('pass', 'fail')),
      inspection_note text,
      inspected_by uuid REFERENCES users(id),
      inspected_at timestamptz,
      UNIQUE (application_id, sequence)
    );
    CREATE INDEX beds_id_number_digest ON beds(id_number_digest);

    CREATE TABLE documents (
      id uuid PRIMARY KEY,
      application_id uuid NOT NULL REFERENCES applications(id),
      bed_id uuid REFERENCES beds(id),
      kind text NOT NULL,
      file_name text NOT NULL,
      content_type text NOT NULL,
      size_bytes integer NOT NULL,
      sha256 text NOT NULL,
      storage_key text NOT NULL,
      uploaded_by uuid NOT NULL REFERENCES users(id),
      created_at timestamptz NOT NULL
    );

    CREATE TABLE decisions (
      id uuid PRIMARY KEY,
      action_key text NOT NULL UNIQUE,
      application_id uuid NOT NULL REFERENCES applications(id),
      stage text NOT NULL,
      decision text NOT NULL,
      actor_user_id uuid NOT NULL REFERENCES users(id),
      reasons text,
      created_at timestamptz NOT NULL
    );

    CREATE TABLE notices (
      id uuid PRIMARY KEY,
      notice_key text NOT NULL UNIQUE,
      application_id uuid REFERENCES applications(id),
      kind text NOT NULL,
      file_name text NOT NULL,
      storage_key text NOT NULL,
      sha256 text NOT NULL,
      recipient_email text,
      emailed_at timestamptz,
      created_at timestamptz NOT NULL
    );

    CREATE TABLE payment_batches (
      id uuid PRIMARY KEY,
      reference text NOT NULL UNIQUE,
      format text NOT NULL,
      file_name text NOT NULL,
      storage_key text NOT NULL,
      sha256 text NOT NULL,
      prepared_by uuid NOT NULL REFERENCES users(id),
      approved_by uuid NOT NULL REFERENCES users(id),
      created_at timestamptz NOT NULL,
      CHECK (approved_by <> prepared_by)
    );

    CREATE TABLE payments (
      id uuid PRIMARY KEY,
      reference text NOT NULL UNIQUE,
      application_id uuid NOT NULL REFERENCES applications(id),
      appropriation_id integer NOT NULL REFERENCES appropriations(id),
      amount_fen bigint NOT NULL CHECK (amount_fen > 0),
      payee_name text NOT NULL,
      payee_account text NOT NULL,
      payee_bank text NOT NULL,
      status text NOT NULL CHECK (status IN ('prepared', 'sent', 'paid', 'failed', 'cancelled')),
      prepared_by uuid NOT NULL REFERENCES users(id),
      approved_by uuid REFERENCES users(id),
      batch_id uuid REFERENCES payment_batches(id),
      bank_reason text,
      bank_transaction_id text,
      settled_at timestamptz,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      CONSTRAINT payment_four_eyes CHECK (approved_by IS NULL OR approved_by <> prepared_by)
    );
    -- At most one live payment per application: a failed or cancelled one may be replaced.
    CREATE UNIQUE INDEX payments_one_live_per_application ON payments(application_id)
      WHERE status IN ('prepared', 'sent', 'paid');

    CREATE TABLE ledger_entries (
      id bigserial PRIMARY KEY,
      transaction_id uuid NOT NULL,
      appropriation_id integer NOT NULL REFERENCES appropriations(id),
      fund_source_code text NOT NULL REFERENCES fund_sources(code),
      account text NOT NULL CHECK (account IN ('appropriated', 'available', 'committed', 'spent')),
      debit_fen bigint NOT NULL DEFAULT 0 CHECK (debit_fen >= 0),
      credit_fen bigint NOT NULL DEFAULT 0 CHECK (credit_fen >= 0),
      application_id uuid REFERENCES applications(id),
      payment_id uuid REFERENCES payments(id),
      memo text NOT NULL,
      created_at timestamptz NOT NULL,
      CHECK ((debit_fen = 0) <> (credit_fen = 0))
    );
    CREATE INDEX ledger_entries_transaction ON ledger_entries(transaction_id);

    CREATE TABLE bank_statement_imports (
      id uuid PRIMARY KEY,
      file_sha256 text NOT NULL UNIQUE,
      file_name text NOT NULL,
      imported_by uuid NOT NULL REFERENCES users(id),
      result jsonb NOT NULL,
      created_at timestamptz NOT NULL
    );

    CREATE TABLE audit_events (
      id bigserial PRIMARY KEY,
      occurred_at timestamptz NOT NULL,
      actor text NOT NULL,
      action text NOT NULL,
      subject_type text NOT NULL,
      subject_id text NOT NULL,
      before jsonb,
      after jsonb,
      prev_hash text NOT NULL,
      hash text NOT NULL UNIQUE
    );
    CREATE INDEX audit_events_subject ON audit_events(subject_type, subject_id);

    -- Append-only: the application role cannot change history. A superuser can still
    -- disable this trigger, which is why the events are also hash-chained.
    CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_events is append-only';
    END $$;
    CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context: db }) => {
  await db.sequelize.query(`
    DROP FUNCTION IF EXISTS audit_events_append_only CASCADE;
    DROP SEQUENCE IF EXISTS application_reference_seq, notice_number_seq;
    DROP TABLE IF EXISTS audit_events, bank_statement_imports, ledger_entries, payments,
      payment_batches, notices, decisions, documents, beds, applications, appropriations,
      fund_sources, program_parameters, programs, users, regions CASCADE;
  `);
};
