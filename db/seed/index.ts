import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import Joi from 'joi';
import YAML from 'yaml';
import { inTransaction } from '..';
import { FundSource, Region, User, type Role } from '../models';
import { parseYuan } from '../../services/money/amount';
import { fundAppropriation } from '../../services/money/budget';
import { seedCalendar } from '../../services/calendar/store';
import { seedExperts } from './experts';
import { seedExampleAllocation } from './allocations';
import { publishRepositoryDefinitions } from '../../services/programs/versions';
import { moduleLogger } from '../../services/logger';
import { validateInput } from '../../services/validation';
import { CITY, DISTRICTS, syntheticTownships } from './regions';

const log = moduleLogger('seed');

export const FUND_SOURCES = [
  { code: 'city_special', name: '市级养老服务专项资金', isWelfareLottery: false },
  { code: 'welfare_lottery', name: '福利彩票公益金（养老服务）', isWelfareLottery: true },
] as const;

/** The demo provider's credit code: valid check character, organisation invented. */
export const DEMO_PROVIDER = {
  creditCode: '91370602MA3C0001X0',
  name: '烟台示例居家养老服务有限公司（演示）',
};

export interface DemoLogin {
  username: string;
  password: string;
  role: Role;
  region: string;
}

const DEMO_PASSWORD = 'demo-2026';

const DEMO_USERS: ReadonlyArray<{ username: string; displayName: string; role: Role; region: string }> = [
  { username: 'provider', displayName: '示例养老服务机构经办人', role: 'applicant', region: 'zhifu' },
  {
    username: 'township',
    displayName: '芝罘区示例街道一审核员',
    role: 'township_reviewer',
    region: 'zhifu-t1',
  },
  { username: 'assessor', displayName: '芝罘区民政局核查员', role: 'district_assessor', region: 'zhifu' },
  { username: 'district', displayName: '芝罘区民政局复核员', role: 'district_reviewer', region: 'zhifu' },
  { username: 'city', displayName: '市民政局审定人', role: 'city_reviewer', region: CITY.code },
  { username: 'finance1', displayName: '市财政局经办人', role: 'finance_officer', region: CITY.code },
  { username: 'finance2', displayName: '市财政局复核人', role: 'finance_officer', region: CITY.code },
  { username: 'admin', displayName: '系统管理员', role: 'admin', region: CITY.code },
];

/**
 * Loads what a fresh installation needs and a demo needs: regions, the programs from
 * their definition files, the working-day calendar, fund sources with example
 * appropriations, and one demo user per role. Safe to run again: existing rows are left
 * as they are.
 */
export async function seed(options: { year?: number } = {}): Promise<{ demoLogins: DemoLogin[] }> {
  const year = options.year ?? new Date().getFullYear();
  await Region.findOrCreate({
    where: { code: CITY.code },
    defaults: { ...CITY, level: 'city', parentCode: null },
  });
  for (const district of DISTRICTS) {
    await Region.findOrCreate({
      where: { code: district.code },
      defaults: { ...district, level: 'district', parentCode: CITY.code },
    });
  }
  for (const township of syntheticTownships()) {
    await Region.findOrCreate({
      where: { code: township.code },
      defaults: { ...township, level: 'township', synthetic: true },
    });
  }

  // Programs come from their definition files; an edited file becomes a new version.
  await publishRepositoryDefinitions('system:seed');
  await seedCalendar('system:seed');

  for (const source of FUND_SOURCES)
    await FundSource.findOrCreate({ where: { code: source.code }, defaults: { ...source } });

  const admin = await ensureDemoUsers();
  // The expert pool for competitive rounds: synthetic experts across the districts.
  await seedExperts();
  await seedAppropriations(year, admin.id);
  await seedExampleAllocation(year, admin.id);

  log.info({ year }, 'seed data in place');
  return {
    demoLogins: DEMO_USERS.map((u) => ({
      username: u.username,
      password: DEMO_PASSWORD,
      role: u.role,
      region: u.region,
    })),
  };
}

async function ensureDemoUsers(): Promise<User> {
  const passwordHash = await bcrypt.hash(DEMO_PASSWORD, 10);
  for (const user of DEMO_USERS) {
    const isProvider = user.role === 'applicant';
    await User.findOrCreate({
      where: { username: user.username },
      defaults: {
        id: crypto.randomUUID(),
        username: user.username,
        displayName: user.displayName,
        email: `${user.username}@example.test`,
        passwordHash,
        role: user.role,
        regionCode: user.region,
        organisationCreditCode: isProvider ? DEMO_PROVIDER.creditCode : null,
        organisationName: isProvider ? DEMO_PROVIDER.name : null,
      },
    });
  }
  return (await User.findOne({ where: { username: 'admin' } })) as User;
}

/** The demo budgets: data, so that a program added by a definition file needs no code. */
export const EXAMPLE_APPROPRIATIONS_FILE = path.join(__dirname, 'example-appropriations.yaml');

const exampleAppropriationsSchema = Joi.array()
  .items(
    Joi.object({
      program: Joi.string().required(),
      fundSource: Joi.string()
        .valid(...FUND_SOURCES.map((source) => source.code))
        .required(),
      amount: Joi.string()
        .pattern(/^\d+(\.\d{1,2})?$/)
        .required()
        .description('yuan with up to two decimals'),
    }),
  )
  .required();

/** Example appropriations for the year, only where the year has none yet. */
async function seedAppropriations(year: number, adminId: string): Promise<void> {
  const examples = validateInput(
    exampleAppropriationsSchema,
    YAML.parse(fs.readFileSync(EXAMPLE_APPROPRIATIONS_FILE, 'utf8')),
    `example appropriations file ${path.relative(process.cwd(), EXAMPLE_APPROPRIATIONS_FILE)}`,
  ) as Array<{ program: string; fundSource: string; amount: string }>;
  for (const example of examples) {
    await inTransaction((tx) =>
      fundAppropriation(tx, {
        programCode: example.program,
        year,
        fundSourceCode: example.fundSource,
        amountFen: parseYuan(example.amount),
        actor: adminId,
        onlyIfAbsent: true,
      }),
    );
  }
}
