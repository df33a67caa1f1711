import crypto from 'node:crypto';
import bcrypt from 'bcryptjs';
import { Expert, Region, User, type Role } from '../../db/models';
import { creditCodeCheckCharacter } from '../../services/identifiers/credit-code';
import type { CompetitionDefinition } from '../../services/programs/definition';
import type { Deadline } from '../../workflows/stages';
import { ApiClient } from './http';
import { eventually } from './pdf';
import { publishVariant } from './programs';

/*
 * People and places for competitive-round tests: townships that apply (each with its own
 * synthetic township region and applicant account), district reviewers, and the API calls
 * that take a round's applications through screening.
 */

/**
 * The call year a round test runs: this year while the township demonstration program runs
 * its calls (2024–2026, by its definition's window), and its last call after that. The round's
 * window is always around now; only its year is held to the program's years.
 */
export const ROUND_TEST_YEAR = Math.min(new Date().getFullYear(), 2026);

/**
 * Readies the township demonstration program for a round test: a version whose periods are
 * seconds or minutes long (through program data, never through the code), and the test's call
 * year funded from one source.
 */
export async function prepareRoundProgram(
  admin: ApiClient,
  options: {
    competition: Partial<CompetitionDefinition>;
    /** The time limit for answering a request for documents at the completeness check. */
    answerWithin?: Deadline;
    fundSourceCode: string;
    amount: string;
  },
): Promise<void> {
  await publishVariant(admin, 'township-demonstration', (definition) => {
    definition.competition = { ...definition.competition!, ...options.competition };
    const completeness = definition.stages.stages.find((stage) => stage.id === 'completeness');
    const request = completeness?.decisions.request_documents;
    if (options.answerWithin && request) request.answerWithin = options.answerWithin;
  });
  const funded = await admin.post('/appropriations', {
    programCode: 'township-demonstration',
    year: ROUND_TEST_YEAR,
    fundSourceCode: options.fundSourceCode,
    amount: options.amount,
  });
  if (funded.status !== 201) throw new Error(`funding failed: ${JSON.stringify(funded.body)}`);
}

const PASSWORD = 'demo-2026';
let passwordHash: string | undefined;
let codes = 0;

export async function createUser(
  username: string,
  role: Role,
  regionCode: string,
  organisation?: { creditCode: string; name: string },
): Promise<User> {
  passwordHash ??= await bcrypt.hash(PASSWORD, 4);
  return User.create({
    id: crypto.randomUUID(),
    username,
    displayName: username,
    email: `${username}@example.test`,
    passwordHash,
    role,
    regionCode,
    organisationCreditCode: organisation?.creditCode ?? null,
    organisationName: organisation?.name ?? null,
  });
}

/** A government organ's credit code (category 11) with a valid check character. */
export function townshipCreditCode(): string {
  const first17 = `11370602MB${String(++codes).padStart(7, '0')}`;
  return first17 + creditCodeCheckCharacter(first17);
}

export interface Township {
  username: string;
  townshipCode: string;
  districtCode: string;
  name: string;
  creditCode: string;
}

/** `count` synthetic townships under `districtCode`, each with an applicant account. */
export async function createTownships(
  prefix: string,
  districtCode: string,
  count: number,
): Promise<Township[]> {
  const townships: Township[] = [];
  for (let n = 1; n <= count; n++) {
    const townshipCode = `${prefix}-${districtCode}-${n}`;
    const name = `${districtCode}示例镇${prefix}${n}（合成数据）`;
    await Region.create({
      code: townshipCode,
      name,
      level: 'township',
      parentCode: districtCode,
      synthetic: true,
    });
    const creditCode = townshipCreditCode();
    const username = `${prefix}-${districtCode}-${n}`;
    await createUser(username, 'applicant', townshipCode, { creditCode, name: `${name}人民政府` });
    townships.push({ username, townshipCode, districtCode, name: `${name}人民政府`, creditCode });
  }
  return townships;
}

/** A township's application to the demonstration program, as its staff would submit it. */
export function townshipApplication(township: Township): Record<string, unknown> {
  return {
    programCode: 'township-demonstration',
    applicantType: 'township',
    organisation: { creditCode: township.creditCode, name: township.name },
    contactEmail: `${township.username}@example.test`,
    districtCode: township.districtCode,
    townshipCode: township.townshipCode,
    bankAccount: { name: township.name, number: '6222020606009876543', bank: '中国农业银行烟台分行' },
    facts: { townshipCode: township.townshipCode, olderResidentCount: 5000 },
  };
}

/** Logs each user in once and keeps the client. */
export class Logins {
  private readonly clients = new Map<string, ApiClient>();
  constructor(private readonly url: string) {}

  async as(username: string): Promise<ApiClient> {
    let client = this.clients.get(username);
    if (!client) {
      client = await ApiClient.login(this.url, username, PASSWORD);
      this.clients.set(username, client);
    }
    return client;
  }
}

/** Completeness at the city, then the district's recommendation: the application joins the round. */
export async function screenIn(
  logins: Logins,
  applicationId: string,
  districtReviewer: string,
): Promise<void> {
  const steps: Array<[string, string, string]> = [
    ['city', 'completeness', 'accept'],
    [districtReviewer, 'district_recommendation', 'recommend'],
  ];
  for (const [user, stage, decision] of steps) {
    const response = await (
      await logins.as(user)
    ).post(`/applications/${applicationId}/decisions`, { stage, decision });
    if (response.status !== 200) throw new Error(`${stage} failed: ${JSON.stringify(response.body)}`);
  }
}

/** Waits until the round reaches `status`, as the city sees it; returns the round. */
export async function roundInStatus(
  logins: Logins,
  roundId: string,
  status: string,
  timeoutMs = 60_000,
): Promise<Record<string, any>> {
  const city = await logins.as('city');
  const response = await eventually(
    () => city.get(`/rounds/${roundId}`),
    (r) => r.body.status === status,
    timeoutMs,
  );
  return response.body;
}

/** The username an expert signs in with. */
export async function expertUsername(expertId: string): Promise<string> {
  const expert = await Expert.findByPk(expertId);
  return ((await User.findByPk(expert!.userId)) as User).username;
}
