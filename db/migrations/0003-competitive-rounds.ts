import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/**
 * Competitive rounds (竞争立项): the round with its window and state, the expert pool, the
 * random draw's assignments, experts' scores, and objections from the public during the
 * notice period (公示). Experts sign in with their own role.
 */
export const up: MigrationFn<QueryInterface> = async ({ context: db }) => {
  await db.sequelize.query(`
    ALTER TABLE users DROP CONSTRAINT users_role_check;
    ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('applicant', 'township_reviewer',
      'district_assessor', 'district_reviewer', 'city_reviewer', 'finance_officer', 'admin', 'expert'));

    CREATE TABLE rounds (
      id uuid PRIMARY KEY,
      program_code text NOT NULL REFERENCES programs(code),
      program_version_id integer NOT NULL REFERENCES program_versions(id),
      year integer NOT NULL,
      title text NOT NULL,
      opens_at timestamptz NOT NULL,
      closes_at timestamptz NOT NULL,
      status text NOT NULL CHECK (status IN ('scheduled', 'open', 'screening', 'scoring', 'ranked',
        'public_notice', 'awarding', 'closed')),
      -- The seed of the random expert draw, published so that anyone can repeat the draw.
      draw_seed text NOT NULL,
      ranking jsonb,
      approved_by uuid REFERENCES users(id),
      approved_at timestamptz,
      created_by uuid NOT NULL REFERENCES users(id),
      created_at timestamptz NOT NULL,
      UNIQUE (program_code, year),
      CHECK (closes_at > opens_at)
    );

    ALTER TABLE applications ADD COLUMN round_id uuid REFERENCES rounds(id);
    CREATE INDEX applications_round ON applications(round_id) WHERE round_id IS NOT NULL;
    ALTER TABLE notices ADD COLUMN round_id uuid REFERENCES rounds(id);

    CREATE TABLE experts (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL UNIQUE REFERENCES users(id),
      name text NOT NULL,
      district_code text NOT NULL REFERENCES regions(code),
      specialty text NOT NULL,
      active boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL
    );

    CREATE TABLE expert_assignments (
      id uuid PRIMARY KEY,
      round_id uuid NOT NULL REFERENCES rounds(id),
      application_id uuid NOT NULL REFERENCES applications(id),
      expert_id uuid NOT NULL REFERENCES experts(id),
      -- The expert's place in the application's seeded draw order, 1 first.
      draw_position integer NOT NULL,
      status text NOT NULL CHECK (status IN ('assigned', 'scored', 'conflict', 'overdue')),
      assigned_at timestamptz NOT NULL,
      due_at timestamptz NOT NULL,
      remind_at timestamptz NOT NULL,
      reminded_at timestamptz,
      conflict_reason text,
      closed_at timestamptz,
      UNIQUE (application_id, expert_id)
    );
    CREATE INDEX expert_assignments_round ON expert_assignments(round_id, status);

    CREATE TABLE expert_scores (
      id uuid PRIMARY KEY,
      assignment_id uuid NOT NULL UNIQUE REFERENCES expert_assignments(id),
      scores jsonb NOT NULL,
      -- The weighted total in hundredths of a point: exact, so that ranking never rounds.
      total_hundredths integer NOT NULL CHECK (total_hundredths >= 0),
      comment text,
      created_at timestamptz NOT NULL
    );

    CREATE TABLE objections (
      id uuid PRIMARY KEY,
      round_id uuid NOT NULL REFERENCES rounds(id),
      application_id uuid NOT NULL REFERENCES applications(id),
      objector_name_sealed text NOT NULL,
      objector_name_masked text NOT NULL,
      contact_sealed text NOT NULL,
      contact_masked text NOT NULL,
      text text NOT NULL,
      received_at timestamptz NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'upheld', 'dismissed')),
      resolved_by uuid REFERENCES users(id),
      resolved_at timestamptz,
      resolution text
    );
    CREATE INDEX objections_round ON objections(round_id, status);
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context: db }) => {
  await db.sequelize.query(`
    DROP TABLE IF EXISTS objections, expert_scores, expert_assignments, experts CASCADE;
    ALTER TABLE notices DROP COLUMN round_id;
    ALTER TABLE applications DROP COLUMN round_id;
    DROP TABLE IF EXISTS rounds;
    ALTER TABLE users DROP CONSTRAINT users_role_check;
    ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('applicant', 'township_reviewer',
      'district_assessor', 'district_reviewer', 'city_reviewer', 'finance_officer', 'admin'));
  `);
};
