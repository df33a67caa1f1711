import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inTransaction } from '../../db';
import { Application, FundSource, Program, Region, User, type Role } from '../../db/models';
import { fundAppropriation } from '../../services/money';

/*
 * Rows the money tests need, created directly through the models in FK order:
 * regions → users → programs, fund sources → appropriations → applications.
 */

export const PROGRAM = 'home_bed_test';

/** Points the file store at a fresh directory; call before useTestDatabase loads config. */
export function useTemporaryDataDir(): void {
  process.env.DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'money-test-'));
}

export interface Seeded {
  applicantId: string;
  finance1: string;
  finance2: string;
  finance3: string;
  adminId: string;
}

export async function seedBasics(): Promise<Seeded> {
  await Region.create({ code: '370600', name: '烟台市', level: 'city', parentCode: null });
  await Region.create({ code: '370602', name: '芝罘区', level: 'district', parentCode: '370600' });
  await Region.create({ code: '370602001', name: '示例街道', level: 'township', parentCode: '370602' });
  const user = async (role: Role, username: string) =>
    (
      await User.create({
        id: crypto.randomUUID(),
        username,
        displayName: username,
        email: `${username}@example.test`,
        passwordHash: 'x',
        role,
        regionCode: '370600',
        organisationCreditCode: null,
        organisationName: null,
      })
    ).id;
  const seeded = {
    applicantId: await user('applicant', 'provider'),
    finance1: await user('finance_officer', 'finance1'),
    finance2: await user('finance_officer', 'finance2'),
    finance3: await user('finance_officer', 'finance3'),
    adminId: await user('admin', 'admin'),
  };
  await Program.create({ code: PROGRAM, name: '家庭养老床位奖补（测试）', policyClause: 'test' });
  await FundSource.create({ code: 'city_special', name: '市级养老服务专项资金', isWelfareLottery: false });
  await FundSource.create({ code: 'welfare_lottery', name: '福利彩票公益金', isWelfareLottery: true });
  await FundSource.create({ code: 'district_zhifu', name: '芝罘区养老服务资金', isWelfareLottery: false });
  return seeded;
}

export async function fund(year: number, fundSourceCode: string, amountFen: bigint, actor: string) {
  return inTransaction((tx) =>
    fundAppropriation(tx, { programCode: PROGRAM, year, fundSourceCode, amountFen, actor }),
  );
}

let counter = 0;

export async function createApplication(applicantId: string, year: number, awardFen: bigint | null = null) {
  counter += 1;
  const now = new Date();
  return Application.create({
    id: crypto.randomUUID(),
    reference: `YT-T-${year}-${counter}-${crypto.randomBytes(3).toString('hex')}`,
    programCode: PROGRAM,
    programYear: year,
    status: 'approved',
    applicantUserId: applicantId,
    idempotencyKey: null,
    organisationCreditCode: '91370602MA3C0001X0',
    organisationName: '示例养老服务有限公司',
    contactEmail: 'provider@example.test',
    districtCode: '370602',
    townshipCode: '370602001',
    bankAccountName: '示例养老服务有限公司',
    bankAccountNumber: `62220000${String(counter).padStart(8, '0')}`,
    bankName: '示例银行芝罘支行',
    awardFen: awardFen === null ? null : awardFen.toString(),
    awardCalculation: null,
    appropriationId: null,
    submittedAt: now,
    updatedAt: now,
  });
}
