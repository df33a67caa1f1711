import {
  DataTypes,
  Model,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';
import { common, date, json, text, uuid } from './columns';

/*
 * Models for competitive rounds: the round, the expert pool, the draw's assignments, the
 * experts' scores and the public's objections. Schema in db/migrations/0003-competitive-rounds.ts.
 */

export type RoundStatus =
  'scheduled' | 'open' | 'screening' | 'scoring' | 'ranked' | 'public_notice' | 'awarding' | 'closed';

export class Round extends Model<InferAttributes<Round>, InferCreationAttributes<Round>> {
  declare id: string;
  declare programCode: string;
  declare programVersionId: number;
  declare year: number;
  declare title: string;
  declare opensAt: Date;
  declare closesAt: Date;
  declare status: RoundStatus;
  declare drawSeed: string;
  /** The ranking as computed and, once approved, as the city approved it. */
  declare ranking: unknown;
  declare approvedBy: string | null;
  declare approvedAt: Date | null;
  declare createdBy: string;
  declare createdAt: Date;
}

export class Expert extends Model<InferAttributes<Expert>, InferCreationAttributes<Expert>> {
  declare id: string;
  declare userId: string;
  declare name: string;
  /** An expert is never drawn for an applicant of this district. */
  declare districtCode: string;
  declare specialty: string;
  declare active: boolean;
  declare createdAt: Date;
}

export type AssignmentStatus = 'assigned' | 'scored' | 'conflict' | 'overdue';

export class ExpertAssignment extends Model<
  InferAttributes<ExpertAssignment>,
  InferCreationAttributes<ExpertAssignment>
> {
  declare id: string;
  declare roundId: string;
  declare applicationId: string;
  declare expertId: string;
  declare drawPosition: number;
  declare status: AssignmentStatus;
  declare assignedAt: Date;
  declare dueAt: Date;
  declare remindAt: Date;
  declare remindedAt: Date | null;
  declare conflictReason: string | null;
  declare closedAt: Date | null;
}

export class ExpertScore extends Model<InferAttributes<ExpertScore>, InferCreationAttributes<ExpertScore>> {
  declare id: string;
  declare assignmentId: string;
  /** Points per rubric criterion id. */
  declare scores: Record<string, number>;
  declare totalHundredths: number;
  declare comment: string | null;
  declare createdAt: Date;
}

export class Objection extends Model<InferAttributes<Objection>, InferCreationAttributes<Objection>> {
  declare id: string;
  declare roundId: string;
  declare applicationId: string;
  declare objectorNameSealed: string;
  declare objectorNameMasked: string;
  declare contactSealed: string;
  declare contactMasked: string;
  declare text: string;
  declare receivedAt: Date;
  declare status: 'pending' | 'upheld' | 'dismissed';
  declare resolvedBy: string | null;
  declare resolvedAt: Date | null;
  declare resolution: string | null;
}

export function initRoundModels(sequelize: Sequelize): void {
  Round.init(
    {
      id: uuid,
      programCode: text(),
      programVersionId: { type: DataTypes.INTEGER, allowNull: false },
      year: { type: DataTypes.INTEGER, allowNull: false },
      title: text(),
      opensAt: date(),
      closesAt: date(),
      status: text(),
      drawSeed: text(),
      ranking: json(true),
      approvedBy: { type: DataTypes.UUID, allowNull: true },
      approvedAt: date(true),
      createdBy: { type: DataTypes.UUID, allowNull: false },
      createdAt: date(),
    },
    { sequelize, tableName: 'rounds', ...common },
  );
  Expert.init(
    {
      id: uuid,
      userId: { type: DataTypes.UUID, allowNull: false },
      name: text(),
      districtCode: text(),
      specialty: text(),
      active: { type: DataTypes.BOOLEAN, allowNull: false },
      createdAt: date(),
    },
    { sequelize, tableName: 'experts', ...common },
  );
  ExpertAssignment.init(
    {
      id: uuid,
      roundId: { type: DataTypes.UUID, allowNull: false },
      applicationId: { type: DataTypes.UUID, allowNull: false },
      expertId: { type: DataTypes.UUID, allowNull: false },
      drawPosition: { type: DataTypes.INTEGER, allowNull: false },
      status: text(),
      assignedAt: date(),
      dueAt: date(),
      remindAt: date(),
      remindedAt: date(true),
      conflictReason: text(true),
      closedAt: date(true),
    },
    { sequelize, tableName: 'expert_assignments', ...common },
  );
  ExpertScore.init(
    {
      id: uuid,
      assignmentId: { type: DataTypes.UUID, allowNull: false },
      scores: json(),
      totalHundredths: { type: DataTypes.INTEGER, allowNull: false },
      comment: text(true),
      createdAt: date(),
    },
    { sequelize, tableName: 'expert_scores', ...common },
  );
  Objection.init(
    {
      id: uuid,
      roundId: { type: DataTypes.UUID, allowNull: false },
      applicationId: { type: DataTypes.UUID, allowNull: false },
      objectorNameSealed: text(),
      objectorNameMasked: text(),
      contactSealed: text(),
      contactMasked: text(),
      text: text(),
      receivedAt: date(),
      status: text(),
      resolvedBy: { type: DataTypes.UUID, allowNull: true },
      resolvedAt: date(true),
      resolution: text(true),
    },
    { sequelize, tableName: 'objections', ...common },
  );
}
