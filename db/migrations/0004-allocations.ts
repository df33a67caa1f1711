import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/**
 * Allocations by formula (因素法分配) — the neighbourhood mutual-aid funding: each year's input
 * figures per district (imported, previewed, then accepted; later edits audited), the
 * allocation with its calculation, one line per district that is acknowledged, paid through
 * an application of its own and reported on, adjustments after corrections, and the
 * district treasury accounts that receive the money.
 */
export const up: MigrationFn<QueryInterface> = async ({ context: db }) => {
  await db.sequelize.query(`
    CREATE TABLE district_accounts (
      district_code text PRIMARY KEY REFERENCES regions(code),
      account_name text NOT NULL,
      account_number text NOT NULL,
      bank_name text NOT NULL,
      contact_email text NOT NULL,
      synthetic boolean NOT NULL DEFAULT false
    );

    CREATE TABLE allocation_imports (
      id uuid PRIMARY KEY,
      year integer NOT NULL,
      file_name text NOT NULL,
      sha256 text NOT NULL,
      rows jsonb NOT NULL,
      status text NOT NULL CHECK (status IN ('previewed', 'accepted', 'discarded')),
      imported_by uuid NOT NULL REFERENCES users(id),
      created_at timestamptz NOT NULL,
      accepted_at timestamptz
    );

    CREATE TABLE allocation_inputs (
      year integer NOT NULL,
      district_code text NOT NULL REFERENCES regions(code),
      urban_communities integer NOT NULL CHECK (urban_communities >= 0),
      rural_communities integer NOT NULL CHECK (rural_communities >= 0),
      older_residents integer NOT NULL CHECK (older_residents >= 0),
      import_id uuid REFERENCES allocation_imports(id),
      synthetic boolean NOT NULL DEFAULT false,
      updated_by text NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (year, district_code)
    );

    CREATE TABLE allocations (
      id uuid PRIMARY KEY,
      program_code text NOT NULL REFERENCES programs(code),
      program_version_id integer NOT NULL REFERENCES program_versions(id),
      year integer NOT NULL,
      status text NOT NULL CHECK (status IN ('draft', 'approved', 'closed')),
      calculation jsonb NOT NULL,
      budget_fen bigint NOT NULL CHECK (budget_fen >= 0),
      total_fen bigint NOT NULL CHECK (total_fen >= 0),
      usage_report_due timestamptz NOT NULL,
      usage_reminder_at timestamptz NOT NULL,
      -- Worked out from sample figures: every page that shows it says so.
      synthetic boolean NOT NULL,
      approved_by uuid REFERENCES users(id),
      approved_at timestamptz,
      created_by uuid NOT NULL REFERENCES users(id),
      created_at timestamptz NOT NULL,
      UNIQUE (program_code, year)
    );

    CREATE TABLE allocation_lines (
      id uuid PRIMARY KEY,
      allocation_id uuid NOT NULL REFERENCES allocations(id),
      district_code text NOT NULL REFERENCES regions(code),
      amount_fen bigint NOT NULL CHECK (amount_fen >= 0),
      application_id uuid REFERENCES applications(id),
      acknowledged_by uuid REFERENCES users(id),
      acknowledged_at timestamptz,
      usage_report jsonb,
      usage_reported_at timestamptz,
      usage_reminded_at timestamptz,
      usage_overdue_at timestamptz,
      UNIQUE (allocation_id, district_code)
    );

    CREATE TABLE allocation_adjustments (
      id uuid PRIMARY KEY,
      allocation_line_id uuid NOT NULL REFERENCES allocation_lines(id),
      kind text NOT NULL CHECK (kind IN ('top_up', 'recovery')),
      amount_fen bigint NOT NULL CHECK (amount_fen > 0),
      reason text NOT NULL,
      -- A top-up is paid through an application of its own; a recovery is settled when the
      -- district's refund is received.
      application_id uuid REFERENCES applications(id),
      status text NOT NULL CHECK (status IN ('due', 'settled')),
      settled_by uuid REFERENCES users(id),
      settled_at timestamptz,
      created_by uuid NOT NULL REFERENCES users(id),
      created_at timestamptz NOT NULL,
      -- A repeated request with the same Idempotency-Key finds its first adjustment.
      idempotency_key text,
      UNIQUE (created_by, idempotency_key)
    );
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context: db }) => {
  await db.sequelize.query(`
    DROP TABLE IF EXISTS allocation_adjustments, allocation_lines, allocations, allocation_inputs,
      allocation_imports, district_accounts CASCADE;
  `);
};
