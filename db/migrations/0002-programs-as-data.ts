import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/**
 * Programs become data: each published definition is a program version that applications
 * pin. Beside them, what every program's checks read (blacklist, funding claims against
 * double payment, long-term care insurance coverage), the working-day calendar, the
 * stored rule evaluations and the deadlines of review stages. Parameters now live inside
 * the versions, so their old table goes.
 */
export const up: MigrationFn<QueryInterface> = async ({ context: db }) => {
  await db.sequelize.query(`
    ALTER TABLE programs ADD COLUMN process text NOT NULL DEFAULT 'staged_review'
      CHECK (process IN ('staged_review', 'competitive_round', 'allocation'));

    CREATE TABLE program_versions (
      id serial PRIMARY KEY,
      program_code text NOT NULL REFERENCES programs(code),
      version integer NOT NULL CHECK (version > 0),
      effective_from date NOT NULL,
      definition jsonb NOT NULL,
      definition_sha256 text NOT NULL,
      source text NOT NULL,
      status text NOT NULL CHECK (status IN ('published', 'retired')),
      published_by text NOT NULL,
      published_at timestamptz NOT NULL,
      retired_by text,
      retired_at timestamptz,
      UNIQUE (program_code, version)
    );

    ALTER TABLE applications
      ADD COLUMN program_version_id integer REFERENCES program_versions(id),
      ADD COLUMN applicant_type text NOT NULL DEFAULT 'provider'
        CHECK (applicant_type IN ('provider', 'township', 'district')),
      ADD COLUMN facts jsonb NOT NULL DEFAULT '{}'::jsonb;

    -- Every evaluation of a program's rules and formula, with the values it saw.
    CREATE TABLE rule_evaluations (
      id uuid PRIMARY KEY,
      action_key text NOT NULL UNIQUE,
      application_id uuid NOT NULL REFERENCES applications(id),
      program_version_id integer NOT NULL REFERENCES program_versions(id),
      purpose text NOT NULL CHECK (purpose IN ('screening', 'award')),
      outcome text NOT NULL CHECK (outcome IN ('eligible', 'ineligible')),
      trace jsonb NOT NULL,
      created_at timestamptz NOT NULL
    );
    CREATE INDEX rule_evaluations_application ON rule_evaluations(application_id, created_at);

    -- What a reviewer must look at: raised by the checks, never decided by them.
    CREATE TABLE application_flags (
      id uuid PRIMARY KEY,
      application_id uuid NOT NULL REFERENCES applications(id),
      kind text NOT NULL
        CHECK (kind IN ('blacklist', 'double_payment', 'long_term_care', 'shared_bank_account')),
      detail jsonb NOT NULL,
      raised_at timestamptz NOT NULL,
      UNIQUE (application_id, kind)
    );

    -- 黑名单: providers barred from programs, for a period, with the reason.
    CREATE TABLE blacklist_entries (
      id uuid PRIMARY KEY,
      organisation_credit_code text NOT NULL,
      organisation_name text NOT NULL,
      program_code text REFERENCES programs(code),
      reason text NOT NULL,
      listed_from date NOT NULL,
      listed_until date,
      listed_by uuid NOT NULL REFERENCES users(id),
      lifted_by uuid REFERENCES users(id),
      lifted_at timestamptz,
      lift_reason text,
      created_at timestamptz NOT NULL,
      CHECK (listed_until IS NULL OR listed_until > listed_from)
    );
    CREATE INDEX blacklist_entries_credit_code ON blacklist_entries(organisation_credit_code);

    -- One row per subject an application asks money for; a funded row blocks another
    -- funding of the same subject in the same funding group for an overlapping period.
    CREATE TABLE funding_claims (
      id uuid PRIMARY KEY,
      funding_group text NOT NULL,
      subject_key text NOT NULL,
      subject_label text NOT NULL,
      program_code text NOT NULL REFERENCES programs(code),
      application_id uuid NOT NULL REFERENCES applications(id),
      period_from date NOT NULL,
      period_to date,
      status text NOT NULL CHECK (status IN ('claimed', 'funded', 'released')),
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      UNIQUE (application_id, subject_key),
      CHECK (period_to IS NULL OR period_to > period_from)
    );
    CREATE INDEX funding_claims_subject ON funding_claims(funding_group, subject_key);

    -- Long-term care insurance coverage as reported by the insurer, by person (digest only).
    CREATE TABLE long_term_care_coverage (
      id uuid PRIMARY KEY,
      id_number_digest text NOT NULL,
      covered_from date NOT NULL,
      covered_to date,
      source_reference text NOT NULL,
      imported_by uuid NOT NULL REFERENCES users(id),
      created_at timestamptz NOT NULL,
      UNIQUE (id_number_digest, covered_from, source_reference),
      CHECK (covered_to IS NULL OR covered_to > covered_from)
    );
    CREATE INDEX long_term_care_coverage_person ON long_term_care_coverage(id_number_digest);

    -- The working-day calendar: only the exceptions to "Monday to Friday work" are stored.
    CREATE TABLE calendar_years (
      year integer PRIMARY KEY,
      source text NOT NULL,
      provisional boolean NOT NULL,
      loaded_at timestamptz NOT NULL
    );
    CREATE TABLE calendar_days (
      day date PRIMARY KEY,
      year integer NOT NULL REFERENCES calendar_years(year),
      kind text NOT NULL CHECK (kind IN ('holiday', 'working_weekend')),
      name text NOT NULL
    );

    -- The deadline of each stage an application enters, and whether anyone was told.
    CREATE TABLE stage_deadlines (
      id uuid PRIMARY KEY,
      entry_key text NOT NULL UNIQUE,
      application_id uuid NOT NULL REFERENCES applications(id),
      stage text NOT NULL,
      entered_at timestamptz NOT NULL,
      due_at timestamptz,
      escalate_at timestamptz,
      reminded_at timestamptz,
      escalated_at timestamptz,
      closed_at timestamptz
    );
    CREATE INDEX stage_deadlines_open ON stage_deadlines(due_at) WHERE closed_at IS NULL;

    DROP TABLE program_parameters;
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context: db }) => {
  await db.sequelize.query(`
    DROP TABLE IF EXISTS stage_deadlines, calendar_days, calendar_years, long_term_care_coverage,
      funding_claims, blacklist_entries, application_flags, rule_evaluations CASCADE;
    ALTER TABLE applications DROP COLUMN program_version_id, DROP COLUMN applicant_type, DROP COLUMN facts;
    DROP TABLE IF EXISTS program_versions;
    ALTER TABLE programs DROP COLUMN process;
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
      UNIQUE (program_code, name, effective_from)
    );
  `);
};
