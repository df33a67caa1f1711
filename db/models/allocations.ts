import {
  DataTypes,
  Model,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';
import { bigint, common, date, json, text, uuid } from './columns';

/*
 * Models for allocations by formula: district accounts, imports of the yearly figures, the
 * figures, the allocation, its district lines and adjustments. Schema in
 * db/migrations/0004-allocations.ts.
 */

export class DistrictAccount extends Model<
  InferAttributes<DistrictAccount>,
  InferCreationAttributes<DistrictAccount>
> {
  declare districtCode: string;
  declare accountName: string;
  declare accountNumber: string;
  declare bankName: string;
  declare contactEmail: string;
  declare synthetic: boolean;
}

export class AllocationImport extends Model<
  InferAttributes<AllocationImport>,
  InferCreationAttributes<AllocationImport>
> {
  declare id: string;
  declare year: number;
  declare fileName: string;
  declare sha256: string;
  /** The validated rows, as previewed. */
  declare rows: unknown;
  declare status: 'previewed' | 'accepted' | 'discarded';
  declare importedBy: string;
  declare createdAt: Date;
  declare acceptedAt: Date | null;
}

export class AllocationInput extends Model<
  InferAttributes<AllocationInput>,
  InferCreationAttributes<AllocationInput>
> {
  declare year: number;
  declare districtCode: string;
  declare urbanCommunities: number;
  declare ruralCommunities: number;
  declare olderResidents: number;
  declare importId: string | null;
  declare synthetic: boolean;
  declare updatedBy: string;
  declare updatedAt: Date;
}

export class Allocation extends Model<InferAttributes<Allocation>, InferCreationAttributes<Allocation>> {
  declare id: string;
  declare programCode: string;
  declare programVersionId: number;
  declare year: number;
  declare status: 'draft' | 'approved' | 'closed';
  declare calculation: unknown;
  declare budgetFen: string;
  declare totalFen: string;
  declare usageReportDue: Date;
  declare usageReminderAt: Date;
  /** Worked out from sample figures (the seed's example): shown wherever it appears. */
  declare synthetic: boolean;
  declare approvedBy: string | null;
  declare approvedAt: Date | null;
  declare createdBy: string;
  declare createdAt: Date;
}

export class AllocationLine extends Model<
  InferAttributes<AllocationLine>,
  InferCreationAttributes<AllocationLine>
> {
  declare id: string;
  declare allocationId: string;
  declare districtCode: string;
  declare amountFen: string;
  /** The application that carries this line's payment through the finance path. */
  declare applicationId: string | null;
  declare acknowledgedBy: string | null;
  declare acknowledgedAt: Date | null;
  declare usageReport: unknown;
  declare usageReportedAt: Date | null;
  declare usageRemindedAt: Date | null;
  declare usageOverdueAt: Date | null;
}

export class AllocationAdjustment extends Model<
  InferAttributes<AllocationAdjustment>,
  InferCreationAttributes<AllocationAdjustment>
> {
  declare id: string;
  declare allocationLineId: string;
  declare kind: 'top_up' | 'recovery';
  declare amountFen: string;
  declare reason: string;
  declare applicationId: string | null;
  declare status: 'due' | 'settled';
  declare settledBy: string | null;
  declare settledAt: Date | null;
  declare createdBy: string;
  declare createdAt: Date;
  declare idempotencyKey: string | null;
}

export function initAllocationModels(sequelize: Sequelize): void {
  DistrictAccount.init(
    {
      districtCode: { type: DataTypes.TEXT, primaryKey: true },
      accountName: text(),
      accountNumber: text(),
      bankName: text(),
      contactEmail: text(),
      synthetic: { type: DataTypes.BOOLEAN, allowNull: false },
    },
    { sequelize, tableName: 'district_accounts', ...common },
  );
  AllocationImport.init(
    {
      id: uuid,
      year: { type: DataTypes.INTEGER, allowNull: false },
      fileName: text(),
      sha256: text(),
      rows: json(),
      status: text(),
      importedBy: { type: DataTypes.UUID, allowNull: false },
      createdAt: date(),
      acceptedAt: date(true),
    },
    { sequelize, tableName: 'allocation_imports', ...common },
  );
  AllocationInput.init(
    {
      year: { type: DataTypes.INTEGER, primaryKey: true },
      districtCode: { type: DataTypes.TEXT, primaryKey: true },
      urbanCommunities: { type: DataTypes.INTEGER, allowNull: false },
      ruralCommunities: { type: DataTypes.INTEGER, allowNull: false },
      olderResidents: { type: DataTypes.INTEGER, allowNull: false },
      importId: { type: DataTypes.UUID, allowNull: true },
      synthetic: { type: DataTypes.BOOLEAN, allowNull: false },
      updatedBy: text(),
      updatedAt: date(),
    },
    { sequelize, tableName: 'allocation_inputs', ...common },
  );
  Allocation.init(
    {
      id: uuid,
      programCode: text(),
      programVersionId: { type: DataTypes.INTEGER, allowNull: false },
      year: { type: DataTypes.INTEGER, allowNull: false },
      status: text(),
      calculation: json(),
      budgetFen: bigint(),
      totalFen: bigint(),
      usageReportDue: date(),
      usageReminderAt: date(),
      synthetic: { type: DataTypes.BOOLEAN, allowNull: false },
      approvedBy: { type: DataTypes.UUID, allowNull: true },
      approvedAt: date(true),
      createdBy: { type: DataTypes.UUID, allowNull: false },
      createdAt: date(),
    },
    { sequelize, tableName: 'allocations', ...common },
  );
  AllocationLine.init(
    {
      id: uuid,
      allocationId: { type: DataTypes.UUID, allowNull: false },
      districtCode: text(),
      amountFen: bigint(),
      applicationId: { type: DataTypes.UUID, allowNull: true },
      acknowledgedBy: { type: DataTypes.UUID, allowNull: true },
      acknowledgedAt: date(true),
      usageReport: json(true),
      usageReportedAt: date(true),
      usageRemindedAt: date(true),
      usageOverdueAt: date(true),
    },
    { sequelize, tableName: 'allocation_lines', ...common },
  );
  AllocationAdjustment.init(
    {
      id: uuid,
      allocationLineId: { type: DataTypes.UUID, allowNull: false },
      kind: text(),
      amountFen: bigint(),
      reason: text(),
      applicationId: { type: DataTypes.UUID, allowNull: true },
      status: text(),
      settledBy: { type: DataTypes.UUID, allowNull: true },
      settledAt: date(true),
      createdBy: { type: DataTypes.UUID, allowNull: false },
      createdAt: date(),
      idempotencyKey: { type: DataTypes.TEXT, allowNull: true },
    },
    { sequelize, tableName: 'allocation_adjustments', ...common },
  );
}
