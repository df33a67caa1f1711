import { Application, Appropriation, Expert, ExpertAssignment, Notice, User } from '../../db/models';
import { DISTRICTS } from '../../db/seed/regions';
import { registerExpert } from '../../services/rounds/experts';
import { ApiClient } from '../support/http';
import { eventually } from '../support/pdf';
import {
  createTownships,
  createUser,
  Logins,
  screenIn,
  townshipApplication,
  type Township,
  roundInStatus,
  prepareRoundProgram,
  ROUND_TEST_YEAR,
} from '../support/rounds';
import { startSystem, type RunningSystem } from '../support/system';

/*
 * A round at the size of a real call: 150 applications from every district and a pool of
 * 60 experts, five drawn for each application, all through the API and the workflows.
 */

const APPLICATIONS = 150;
const EXPERTS = 60;
let system: RunningSystem;
let logins: Logins;
let townships: Township[] = [];
const year = ROUND_TEST_YEAR;
const as = (username: string): Promise<ApiClient> => logins.as(username);

/** Runs `work` over `items`, `width` at a time. */
async function inBatches<T>(
  items: T[],
  width: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  for (let start = 0; start < items.length; start += width) {
    await Promise.all(items.slice(start, start + width).map((item, offset) => work(item, start + offset)));
  }
}

beforeAll(async () => {
  // 150 townships, their reviewers and 60 experts sign in from this one address.
  process.env.LOGIN_ATTEMPTS_PER_15_MINUTES = '1000';
  system = await startSystem();
  logins = new Logins(system.url);
  const perDistrict = Math.ceil(APPLICATIONS / DISTRICTS.length);
  for (const district of DISTRICTS) {
    await createUser(`sc-reviewer-${district.code}`, 'district_reviewer', district.code);
    townships.push(...(await createTownships('sc', district.code, perDistrict)));
  }
  townships = townships.slice(0, APPLICATIONS);
  // The seed's twenty experts and forty more, spread over the districts.
  const seeded = await Expert.count();
  for (let n = seeded + 1; n <= EXPERTS; n++) {
    const district = DISTRICTS[n % DISTRICTS.length]!;
    await registerExpert(
      {
        username: `sc-expert-${n}`,
        displayName: `专家${n}`,
        email: `sc-expert-${n}@example.test`,
        password: 'demo-2026',
        name: `专家${n}（合成数据）`,
        districtCode: district.code,
        specialty: '养老服务管理',
      },
      'system:test',
    );
  }
  await prepareRoundProgram(await as('admin'), {
    competition: {
      scoringPeriod: { duration: 'PT30M' },
      reminderAfter: { duration: 'PT20M' },
      noticePeriod: { duration: 'PT2S' },
    },
    fundSourceCode: 'city_special',
    amount: '1500000',
  });
}, 300_000);
afterAll(() => system?.stop());

describe('a round of 150 applications and 60 experts', () => {
  it('draws, scores, ranks and settles every application', async () => {
    expect(await Expert.count()).toBe(EXPERTS);
    const opensAt = new Date(Date.now() + 1_000);
    const round = await (
      await as('city')
    ).post('/rounds', {
      programCode: 'township-demonstration',
      year,
      opensAt: opensAt.toISOString(),
      closesAt: new Date(opensAt.getTime() + 30_000).toISOString(),
    });
    const roundId = round.body.id as string;
    await roundInStatus(logins, roundId, 'open');

    const ids: string[] = [];
    await inBatches(townships, 10, async (township, index) => {
      const submitted = await (
        await as(township.username)
      ).post('/applications', townshipApplication(township));
      if (submitted.status !== 201) throw new Error(JSON.stringify(submitted.body));
      ids[index] = submitted.body.id;
    });
    await roundInStatus(logins, roundId, 'screening');
    await inBatches(ids, 10, async (id, index) => {
      await eventually(
        async () => (await Application.findByPk(id))!.status,
        (status) => status === 'under_review',
      );
      await screenIn(logins, id, `sc-reviewer-${townships[index]!.districtCode}`);
    });

    await roundInStatus(logins, roundId, 'scoring');
    const assignments = await eventually(
      () => ExpertAssignment.findAll({ where: { roundId } }),
      (rows) => rows.length === APPLICATIONS * 5,
      60_000,
    );
    const experts = new Map((await Expert.findAll()).map((expert) => [expert.id, expert]));
    const districtOf = new Map(
      (await Application.findAll({ where: { roundId } })).map((a) => [a.id, a.districtCode]),
    );
    for (const assignment of assignments) {
      expect(experts.get(assignment.expertId)!.districtCode).not.toBe(
        districtOf.get(assignment.applicationId),
      );
    }

    // Application n scores 50 + n / 3 on every criterion from every expert: a clear order.
    const usernames = new Map(
      await Promise.all(
        [...experts.values()].map(
          async (expert) => [expert.id, ((await User.findByPk(expert.userId)) as User).username] as const,
        ),
      ),
    );
    await inBatches(assignments, 10, async (assignment) => {
      const points = 50 + Math.floor(ids.indexOf(assignment.applicationId) / 3);
      const scores = {
        service_network: points,
        service_quality: points,
        mechanisms: points,
        innovation: points,
        plan: points,
      };
      const response = await (
        await as(usernames.get(assignment.expertId)!)
      ).post(`/rounds/${roundId}/applications/${assignment.applicationId}/scores`, {
        scores,
        comment: points < 60 ? '示范带动作用不明显' : undefined,
      });
      if (response.status !== 201) throw new Error(JSON.stringify(response.body));
    });

    const ranked = await roundInStatus(logins, roundId, 'ranked');
    expect(
      ranked.ranking.entries.filter((entry: { rank: number | null }) => entry.rank !== null),
    ).toHaveLength(APPLICATIONS);
    // Applications come in threes of equal scores (n / 3): the best three all win, and of the
    // next three, whose criteria are equal too, the two submitted first (earliest_submission).
    const winners = ranked.ranking.winners as string[];
    expect(winners).toHaveLength(5);
    expect(winners.slice(0, 3).sort()).toEqual(ids.slice(APPLICATIONS - 3).sort());
    const nextThree = await Application.findAll({
      where: { id: ids.slice(APPLICATIONS - 6, APPLICATIONS - 3) },
      // Submitted in the same millisecond, the reference decides, as the ranking does last.
      order: [
        ['submittedAt', 'ASC'],
        ['reference', 'ASC'],
      ],
    });
    expect(winners.slice(3)).toEqual(nextThree.slice(0, 2).map((application) => application.id));
    expect((await (await as('city')).post(`/rounds/${roundId}/ranking/approval`)).status).toBe(200);

    await roundInStatus(logins, roundId, 'closed', 240_000);
    await eventually(
      () => Application.count({ where: { roundId, status: 'not_selected' } }),
      (count) => count === APPLICATIONS - 5,
      240_000,
    );
    expect(await Application.count({ where: { roundId, status: 'awaiting_payment' } })).toBe(5);
    expect(await Notice.count({ where: { kind: 'round_result' } })).toBe(APPLICATIONS - 5);
    const appropriation = await Appropriation.findOne({
      where: { programCode: 'township-demonstration', year },
    });
    expect(appropriation!.committedFen).toBe('150000000');
  }, 900_000);
});
