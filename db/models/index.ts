import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';
import { bigint, common, date, text, uuid } from './columns';
import { initProgramModels } from './programs';
import { initRoundModels } from './rounds';
import { initAllocationModels } from './allocations';

export * from './programs';
export * from './rounds';
export * from './allocations';

/*
 * Sequelize models over the tables that db/migrations creates. The migrations own the
 * schema and its constraints; these definitions only map columns to fields.
 * BIGINT money columns arrive from pg as strings: the money service converts them to
 * bigint, never to a float.
 */

export const ROLES = [
  'applicant',
  'township_reviewer',
  'district_assessor',
  'district_reviewer',
  'city_reviewer',
  'finance_officer',
  'admin',
  'expert',
] as const;
export type Role = (typeof ROLES)[number];

export class Region extends Model<InferAttributes<Region>, InferCreationAttributes<Region>> {
  declare code: string;
  declare name: string;
  declare level: 'city' | 'district' | 'township';
  declare parentCode: string | null;
  declare synthetic: CreationOptional<boolean>;
}

export class User extends Model<InferAttributes<User>, InferCreationAttributes<User>> {
  declare id: string;
  declare username: string;
  declare displayName: string;
  declare email: string;
  declare passwordHash: string;
  declare role: Role;
  declare regionCode: string;
  declare organisationCreditCode: string | null;
  declare organisationName: string | null;
  declare createdAt: CreationOptional<Date>;
}

export class Program extends Model<InferAttributes<Program>, InferCreationAttributes<Program>> {
  declare code: string;
  declare name: string;
  declare policyClause: string;
  declare process: CreationOptional<'staged_review' | 'competitive_round' | 'allocation'>;
  declare createdAt: CreationOptional<Date>;
}

export class FundSource extends Model<InferAttributes<FundSource>, InferCreationAttributes<FundSource>> {
  declare code: string;
  declare name: string;
  declare isWelfareLottery: boolean;
}

export class Appropriation extends Model<
  InferAttributes<Appropriation>,
  InferCreationAttributes<Appropriation>
> {
  declare id: CreationOptional<number>;
  declare programCode: string;
  declare year: number;
  declare fundSourceCode: string;
  declare amountFen: string;
  declare committedFen: CreationOptional<string>;
  declare spentFen: CreationOptional<string>;
}

export class Application extends Model<InferAttributes<Application>, InferCreationAttributes<Application>> {
  declare id: string;
  declare reference: string;
  declare programCode: string;
  declare programYear: number;
  declare status: string;
  declare stage: string | null;
  declare applicantUserId: string;
  declare idempotencyKey: string | null;
  declare organisationCreditCode: string;
  declare organisationName: string;
  declare contactEmail: string;
  declare districtCode: string;
  declare townshipCode: string;
  declare bankAccountName: string;
  declare bankAccountNumber: string;
  declare bankName: string;
  declare awardFen: string | null;
  declare awardCalculation: unknown;
  declare appropriationId: number | null;
  declare programVersionId: number | null;
  /** The competitive round the application was submitted to, if any. */
  declare roundId: CreationOptional<string | null>;
  declare applicantType: CreationOptional<'provider' | 'township' | 'district'>;
  /** The facts the applicant supplied, as the pinned definition's `facts` describe them. */
  declare facts: CreationOptional<Record<string, unknown>>;
  declare submittedAt: Date;
  declare updatedAt: Date;
}

export class Bed extends Model<InferAttributes<Bed>, InferCreationAttributes<Bed>> {
  declare id: string;
  declare applicationId: string;
  declare sequence: number;
  declare personNameSealed: string;
  declare personNameMasked: string;
  declare idNumberSealed: string;
  declare idNumberDigest: string;
  declare idNumberMasked: string;
  declare address: string;
  declare acceptedOn: string;
  declare inspectionResult: 'pass' | 'fail' | null;
  declare inspectionNote: string | null;
  declare inspectedBy: string | null;
  declare inspectedAt: Date | null;
}

export class Document extends Model<InferAttributes<Document>, InferCreationAttributes<Document>> {
  declare id: string;
  declare applicationId: string;
  declare bedId: string | null;
  declare kind: string;
  declare fileName: string;
  declare contentType: string;
  declare sizeBytes: number;
  declare sha256: string;
  declare storageKey: string;
  declare uploadedBy: string;
  declare createdAt: Date;
}

export class Decision extends Model<InferAttributes<Decision>, InferCreationAttributes<Decision>> {
  declare id: string;
  declare actionKey: string;
  declare applicationId: string;
  declare stage: string;
  declare decision: string;
  declare actorUserId: string;
  declare reasons: string | null;
  declare createdAt: Date;
}

export class Notice extends Model<InferAttributes<Notice>, InferCreationAttributes<Notice>> {
  declare id: string;
  declare noticeKey: string;
  declare applicationId: string | null;
  /** Set for a round's own notices, such as its public notice list (公示名单). */
  declare roundId: CreationOptional<string | null>;
  declare kind: string;
  declare fileName: string;
  declare storageKey: string;
  declare sha256: string;
  declare recipientEmail: string | null;
  declare emailedAt: Date | null;
  declare createdAt: Date;
}

export class PaymentBatch extends Model<
  InferAttributes<PaymentBatch>,
  InferCreationAttributes<PaymentBatch>
> {
  declare id: string;
  declare reference: string;
  declare format: string;
  declare fileName: string;
  declare storageKey: string;
  declare sha256: string;
  declare preparedBy: string;
  declare approvedBy: string;
  declare createdAt: Date;
}

export type PaymentStatus = 'prepared' | 'sent' | 'paid' | 'failed' | 'cancelled';

export class Payment extends Model<InferAttributes<Payment>, InferCreationAttributes<Payment>> {
  declare id: string;
  declare reference: string;
  declare applicationId: string;
  declare appropriationId: number;
  declare amountFen: string;
  declare payeeName: string;
  declare payeeAccount: string;
  declare payeeBank: string;
  declare status: PaymentStatus;
  declare preparedBy: string;
  declare approvedBy: string | null;
  declare batchId: string | null;
  declare bankReason: string | null;
  declare bankTransactionId: string | null;
  declare settledAt: Date | null;
  declare createdAt: Date;
  declare updatedAt: Date;
}

export type LedgerAccount = 'appropriated' | 'available' | 'committed' | 'spent';

export class LedgerEntry extends Model<InferAttributes<LedgerEntry>, InferCreationAttributes<LedgerEntry>> {
  declare id: CreationOptional<string>;
  declare transactionId: string;
  declare appropriationId: number;
  declare fundSourceCode: string;
  declare account: LedgerAccount;
  declare debitFen: string;
  declare creditFen: string;
  declare applicationId: string | null;
  declare paymentId: string | null;
  declare memo: string;
  declare createdAt: Date;
}

export class BankStatementImport extends Model<
  InferAttributes<BankStatementImport>,
  InferCreationAttributes<BankStatementImport>
> {
  declare id: string;
  declare fileSha256: string;
  declare fileName: string;
  declare importedBy: string;
  declare result: unknown;
  declare createdAt: Date;
}

export class AuditEvent extends Model<InferAttributes<AuditEvent>, InferCreationAttributes<AuditEvent>> {
  declare id: CreationOptional<string>;
  declare occurredAt: Date;
  declare actor: string;
  declare action: string;
  declare subjectType: string;
  declare subjectId: string;
  declare before: unknown;
  declare after: unknown;
  declare prevHash: string;
  declare hash: string;
}

/** Binds every model to `sequelize`. Call once per connection. */
export function initModels(sequelize: Sequelize): void {
  Region.init(
    {
      code: { type: DataTypes.TEXT, primaryKey: true },
      name: text(),
      level: text(),
      parentCode: text(true),
      synthetic: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    },
    { sequelize, tableName: 'regions', ...common },
  );
  User.init(
    {
      id: uuid,
      username: text(),
      displayName: text(),
      email: text(),
      passwordHash: text(),
      role: text(),
      regionCode: text(),
      organisationCreditCode: text(true),
      organisationName: text(true),
      createdAt: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
    },
    { sequelize, tableName: 'users', ...common },
  );
  Program.init(
    {
      code: { type: DataTypes.TEXT, primaryKey: true },
      name: text(),
      policyClause: text(),
      process: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'staged_review' },
      createdAt: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
    },
    { sequelize, tableName: 'programs', ...common },
  );
  FundSource.init(
    {
      code: { type: DataTypes.TEXT, primaryKey: true },
      name: text(),
      isWelfareLottery: { type: DataTypes.BOOLEAN, allowNull: false },
    },
    { sequelize, tableName: 'fund_sources', ...common },
  );
  Appropriation.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      programCode: text(),
      year: { type: DataTypes.INTEGER, allowNull: false },
      fundSourceCode: text(),
      amountFen: bigint(),
      committedFen: { ...bigint(), defaultValue: 0 },
      spentFen: { ...bigint(), defaultValue: 0 },
    },
    { sequelize, tableName: 'appropriations', ...common },
  );
  Application.init(
    {
      id: uuid,
      reference: text(),
      programCode: text(),
      programYear: { type: DataTypes.INTEGER, allowNull: false },
      status: text(),
      stage: text(true),
      applicantUserId: { type: DataTypes.UUID, allowNull: false },
      idempotencyKey: text(true),
      organisationCreditCode: text(),
      organisationName: text(),
      contactEmail: text(),
      districtCode: text(),
      townshipCode: text(),
      bankAccountName: text(),
      bankAccountNumber: text(),
      bankName: text(),
      awardFen: bigint(true),
      awardCalculation: { type: DataTypes.JSONB, allowNull: true },
      appropriationId: { type: DataTypes.INTEGER, allowNull: true },
      programVersionId: { type: DataTypes.INTEGER, allowNull: true },
      roundId: { type: DataTypes.UUID, allowNull: true },
      applicantType: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'provider' },
      facts: { type: DataTypes.JSONB, allowNull: false, defaultValue: {} },
      submittedAt: date(),
      updatedAt: date(),
    },
    { sequelize, tableName: 'applications', ...common },
  );
  Bed.init(
    {
      id: uuid,
      applicationId: { type: DataTypes.UUID, allowNull: false },
      sequence: { type: DataTypes.INTEGER, allowNull: false },
      personNameSealed: text(),
      personNameMasked: text(),
      idNumberSealed: text(),
      idNumberDigest: text(),
      idNumberMasked: text(),
      address: text(),
      acceptedOn: { type: DataTypes.DATEONLY, allowNull: false },
      inspectionResult: text(true),
      inspectionNote: text(true),
      inspectedBy: { type: DataTypes.UUID, allowNull: true },
      inspectedAt: date(true),
    },
    { sequelize, tableName: 'beds', ...common },
  );
  Document.init(
    {
      id: uuid,
      applicationId: { type: DataTypes.UUID, allowNull: false },
      bedId: { type: DataTypes.UUID, allowNull: true },
      kind: text(),
      fileName: text(),
      contentType: text(),
      sizeBytes: { type: DataTypes.INTEGER, allowNull: false },
      sha256: text(),
      storageKey: text(),
      uploadedBy: { type: DataTypes.UUID, allowNull: false },
      createdAt: date(),
    },
    { sequelize, tableName: 'documents', ...common },
  );
  Decision.init(
    {
      id: uuid,
      actionKey: text(),
      applicationId: { type: DataTypes.UUID, allowNull: false },
      stage: text(),
      decision: text(),
      actorUserId: { type: DataTypes.UUID, allowNull: false },
      reasons: text(true),
      createdAt: date(),
    },
    { sequelize, tableName: 'decisions', ...common },
  );
  Notice.init(
    {
      id: uuid,
      noticeKey: text(),
      applicationId: { type: DataTypes.UUID, allowNull: true },
      roundId: { type: DataTypes.UUID, allowNull: true },
      kind: text(),
      fileName: text(),
      storageKey: text(),
      sha256: text(),
      recipientEmail: text(true),
      emailedAt: date(true),
      createdAt: date(),
    },
    { sequelize, tableName: 'notices', ...common },
  );
  PaymentBatch.init(
    {
      id: uuid,
      reference: text(),
      format: text(),
      fileName: text(),
      storageKey: text(),
      sha256: text(),
      preparedBy: { type: DataTypes.UUID, allowNull: false },
      approvedBy: { type: DataTypes.UUID, allowNull: false },
      createdAt: date(),
    },
    { sequelize, tableName: 'payment_batches', ...common },
  );
  Payment.init(
    {
      id: uuid,
      reference: text(),
      applicationId: { type: DataTypes.UUID, allowNull: false },
      appropriationId: { type: DataTypes.INTEGER, allowNull: false },
      amountFen: bigint(),
      payeeName: text(),
      payeeAccount: text(),
      payeeBank: text(),
      status: text(),
      preparedBy: { type: DataTypes.UUID, allowNull: false },
      approvedBy: { type: DataTypes.UUID, allowNull: true },
      batchId: { type: DataTypes.UUID, allowNull: true },
      bankReason: text(true),
      bankTransactionId: text(true),
      settledAt: date(true),
      createdAt: date(),
      updatedAt: date(),
    },
    { sequelize, tableName: 'payments', ...common },
  );
  LedgerEntry.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      transactionId: { type: DataTypes.UUID, allowNull: false },
      appropriationId: { type: DataTypes.INTEGER, allowNull: false },
      fundSourceCode: text(),
      account: text(),
      debitFen: bigint(),
      creditFen: bigint(),
      applicationId: { type: DataTypes.UUID, allowNull: true },
      paymentId: { type: DataTypes.UUID, allowNull: true },
      memo: text(),
      createdAt: date(),
    },
    { sequelize, tableName: 'ledger_entries', ...common },
  );
  BankStatementImport.init(
    {
      id: uuid,
      fileSha256: text(),
      fileName: text(),
      importedBy: { type: DataTypes.UUID, allowNull: false },
      result: { type: DataTypes.JSONB, allowNull: false },
      createdAt: date(),
    },
    { sequelize, tableName: 'bank_statement_imports', ...common },
  );
  AuditEvent.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      occurredAt: date(),
      actor: text(),
      action: text(),
      subjectType: text(),
      subjectId: text(),
      before: { type: DataTypes.JSONB, allowNull: true },
      after: { type: DataTypes.JSONB, allowNull: true },
      prevHash: text(),
      hash: text(),
    },
    { sequelize, tableName: 'audit_events', ...common },
  );
  initProgramModels(sequelize);
  initRoundModels(sequelize);
  initAllocationModels(sequelize);
}
