import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';
import { common, date, day, json, text, uuid } from './columns';

/*
 * Models for programs as data and the checks every program runs: program versions,
 * rule evaluations, flags, the blacklist, funding claims, long-term care coverage, the
 * working-day calendar and stage deadlines. Schema in db/migrations/0002-programs-as-data.ts.
 */

export class ProgramVersion extends Model<
  InferAttributes<ProgramVersion>,
  InferCreationAttributes<ProgramVersion>
> {
  declare id: CreationOptional<number>;
  declare programCode: string;
  declare version: number;
  declare effectiveFrom: string;
  /** A validated ProgramDefinition (services/programs/definition.ts). */
  declare definition: unknown;
  declare definitionSha256: string;
  /** The definition file it came from, or `api` when published through the API. */
  declare source: string;
  declare status: 'published' | 'retired';
  declare publishedBy: string;
  declare publishedAt: Date;
  declare retiredBy: string | null;
  declare retiredAt: Date | null;
}

export class RuleEvaluation extends Model<
  InferAttributes<RuleEvaluation>,
  InferCreationAttributes<RuleEvaluation>
> {
  declare id: string;
  declare actionKey: string;
  declare applicationId: string;
  declare programVersionId: number;
  declare purpose: 'screening' | 'award';
  declare outcome: 'eligible' | 'ineligible';
  declare trace: unknown;
  declare createdAt: Date;
}

export type FlagKind = 'blacklist' | 'double_payment' | 'long_term_care' | 'shared_bank_account';

export class ApplicationFlag extends Model<
  InferAttributes<ApplicationFlag>,
  InferCreationAttributes<ApplicationFlag>
> {
  declare id: string;
  declare applicationId: string;
  declare kind: FlagKind;
  declare detail: unknown;
  declare raisedAt: Date;
}

export class BlacklistEntry extends Model<
  InferAttributes<BlacklistEntry>,
  InferCreationAttributes<BlacklistEntry>
> {
  declare id: string;
  declare organisationCreditCode: string;
  declare organisationName: string;
  /** Null: barred from every program. */
  declare programCode: string | null;
  declare reason: string;
  declare listedFrom: string;
  declare listedUntil: string | null;
  declare listedBy: string;
  declare liftedBy: string | null;
  declare liftedAt: Date | null;
  declare liftReason: string | null;
  declare createdAt: Date;
}

export class FundingClaim extends Model<
  InferAttributes<FundingClaim>,
  InferCreationAttributes<FundingClaim>
> {
  declare id: string;
  declare fundingGroup: string;
  /** A digest, never the identity number itself. */
  declare subjectKey: string;
  /** Masked, for reviewers. */
  declare subjectLabel: string;
  declare programCode: string;
  declare applicationId: string;
  declare periodFrom: string;
  /** Exclusive; null means for good. */
  declare periodTo: string | null;
  declare status: 'claimed' | 'funded' | 'released';
  declare createdAt: Date;
  declare updatedAt: Date;
}

export class LongTermCareCoverage extends Model<
  InferAttributes<LongTermCareCoverage>,
  InferCreationAttributes<LongTermCareCoverage>
> {
  declare id: string;
  declare idNumberDigest: string;
  declare coveredFrom: string;
  /** Exclusive; null while the coverage runs. */
  declare coveredTo: string | null;
  declare sourceReference: string;
  declare importedBy: string;
  declare createdAt: Date;
}

export class CalendarYear extends Model<
  InferAttributes<CalendarYear>,
  InferCreationAttributes<CalendarYear>
> {
  declare year: number;
  declare source: string;
  /** True until the State Council's notice for the year has been loaded. */
  declare provisional: boolean;
  declare loadedAt: Date;
}

export class CalendarDay extends Model<InferAttributes<CalendarDay>, InferCreationAttributes<CalendarDay>> {
  declare day: string;
  declare year: number;
  declare kind: 'holiday' | 'working_weekend';
  declare name: string;
}

export class StageDeadline extends Model<
  InferAttributes<StageDeadline>,
  InferCreationAttributes<StageDeadline>
> {
  declare id: string;
  declare entryKey: string;
  declare applicationId: string;
  declare stage: string;
  declare enteredAt: Date;
  declare dueAt: Date | null;
  declare escalateAt: Date | null;
  declare remindedAt: Date | null;
  declare escalatedAt: Date | null;
  declare closedAt: Date | null;
}

export function initProgramModels(sequelize: Sequelize): void {
  ProgramVersion.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      programCode: text(),
      version: { type: DataTypes.INTEGER, allowNull: false },
      effectiveFrom: day(),
      definition: json(),
      definitionSha256: text(),
      source: text(),
      status: text(),
      publishedBy: text(),
      publishedAt: date(),
      retiredBy: text(true),
      retiredAt: date(true),
    },
    { sequelize, tableName: 'program_versions', ...common },
  );
  RuleEvaluation.init(
    {
      id: uuid,
      actionKey: text(),
      applicationId: { type: DataTypes.UUID, allowNull: false },
      programVersionId: { type: DataTypes.INTEGER, allowNull: false },
      purpose: text(),
      outcome: text(),
      trace: json(),
      createdAt: date(),
    },
    { sequelize, tableName: 'rule_evaluations', ...common },
  );
  ApplicationFlag.init(
    {
      id: uuid,
      applicationId: { type: DataTypes.UUID, allowNull: false },
      kind: text(),
      detail: json(),
      raisedAt: date(),
    },
    { sequelize, tableName: 'application_flags', ...common },
  );
  BlacklistEntry.init(
    {
      id: uuid,
      organisationCreditCode: text(),
      organisationName: text(),
      programCode: text(true),
      reason: text(),
      listedFrom: day(),
      listedUntil: day(true),
      listedBy: { type: DataTypes.UUID, allowNull: false },
      liftedBy: { type: DataTypes.UUID, allowNull: true },
      liftedAt: date(true),
      liftReason: text(true),
      createdAt: date(),
    },
    { sequelize, tableName: 'blacklist_entries', ...common },
  );
  FundingClaim.init(
    {
      id: uuid,
      fundingGroup: text(),
      subjectKey: text(),
      subjectLabel: text(),
      programCode: text(),
      applicationId: { type: DataTypes.UUID, allowNull: false },
      periodFrom: day(),
      periodTo: day(true),
      status: text(),
      createdAt: date(),
      updatedAt: date(),
    },
    { sequelize, tableName: 'funding_claims', ...common },
  );
  LongTermCareCoverage.init(
    {
      id: uuid,
      idNumberDigest: text(),
      coveredFrom: day(),
      coveredTo: day(true),
      sourceReference: text(),
      importedBy: { type: DataTypes.UUID, allowNull: false },
      createdAt: date(),
    },
    { sequelize, tableName: 'long_term_care_coverage', ...common },
  );
  CalendarYear.init(
    {
      year: { type: DataTypes.INTEGER, primaryKey: true },
      source: text(),
      provisional: { type: DataTypes.BOOLEAN, allowNull: false },
      loadedAt: date(),
    },
    { sequelize, tableName: 'calendar_years', ...common },
  );
  CalendarDay.init(
    {
      day: { type: DataTypes.DATEONLY, primaryKey: true },
      year: { type: DataTypes.INTEGER, allowNull: false },
      kind: text(),
      name: text(),
    },
    { sequelize, tableName: 'calendar_days', ...common },
  );
  StageDeadline.init(
    {
      id: uuid,
      entryKey: text(),
      applicationId: { type: DataTypes.UUID, allowNull: false },
      stage: text(),
      enteredAt: date(),
      dueAt: date(true),
      escalateAt: date(true),
      remindedAt: date(true),
      escalatedAt: date(true),
      closedAt: date(true),
    },
    { sequelize, tableName: 'stage_deadlines', ...common },
  );
}
