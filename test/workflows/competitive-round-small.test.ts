import { ApiClient } from '../support/http';
import { eventually } from '../support/pdf';
import {
  createTownships,
  createUser,
  Logins,
  screenIn,
  townshipApplication,
  type Township,
  expertUsername,
  roundInStatus,
  prepareRoundProgram,
  ROUND_TEST_YEAR,
} from '../support/rounds';
import { startSystem, type RunningSystem } from '../support/system';

/*
 * A small round: fewer eligible applicants than places, one refused at screening, an
 * expert's conflict of interest, refused scores, and the window closed behind the round.
 */

let system: RunningSystem;
let logins: Logins;
let townships: Township[];
const year = ROUND_TEST_YEAR;
const as = (username: string): Promise<ApiClient> => logins.as(username);
const statusOf = async (applicationId: string): Promise<string> =>
  (await (await as('admin')).get(`/applications/${applicationId}`)).body.status;
const SCORES = { service_network: 88, service_quality: 86, mechanisms: 84, innovation: 82, plan: 80 };

beforeAll(async () => {
  system = await startSystem();
  logins = new Logins(system.url);
  townships = await createTownships('rs', 'fushan', 4);
  await createUser('district-fushan', 'district_reviewer', 'fushan');
  await prepareRoundProgram(await as('admin'), {
    competition: {
      expertsPerApplication: 2,
      scoringPeriod: { duration: 'PT60S' },
      reminderAfter: { duration: 'PT50S' },
      noticePeriod: { duration: 'PT2S' },
    },
    // 补正期限 of seconds: an applicant who never answers must not hold the round up.
    answerWithin: { duration: 'PT4S' },
    fundSourceCode: 'welfare_lottery',
    amount: '1500000',
  });
}, 120_000);
afterAll(() => system?.stop());

describe('a round with fewer eligible applicants than places', () => {
  it('awards every one of them, after a lapse, conflicts replaced and bad scores refused', async () => {
    const opensAt = new Date(Date.now() + 500);
    const round = await (
      await as('admin')
    ).post('/rounds', {
      programCode: 'township-demonstration',
      year,
      opensAt: opensAt.toISOString(),
      closesAt: new Date(opensAt.getTime() + 6_000).toISOString(),
    });
    const roundId = round.body.id as string;
    const again = await (
      await as('admin')
    ).post('/rounds', {
      programCode: 'township-demonstration',
      year,
      opensAt: round.body.opensAt,
      closesAt: round.body.closesAt,
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ROUND_EXISTS');

    await roundInStatus(logins, roundId, 'open');
    const ids: string[] = [];
    for (const township of townships) {
      ids.push(
        (await (await as(township.username)).post('/applications', townshipApplication(township))).body.id,
      );
    }
    await roundInStatus(logins, roundId, 'screening');
    const late = await (
      await as(townships[0]!.username)
    ).post('/applications', townshipApplication(townships[0]!));
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('ROUND_NOT_OPEN');

    // Two screened in; the third refused at completeness, with its reasons.
    for (const id of ids.slice(0, 2)) {
      await eventually(
        () => statusOf(id),
        (status) => status === 'under_review',
      );
      await screenIn(logins, id, 'district-fushan');
    }
    await eventually(
      () => statusOf(ids[2]!),
      (status) => status === 'under_review',
    );
    const refused = await (
      await as('city')
    ).post(`/applications/${ids[2]}/decisions`, {
      stage: 'completeness',
      decision: 'refuse',
      reasons: ['申报书未加盖公章'],
    });
    expect(refused.body.status).toBe('refused');
    // The fourth is asked for documents and never answers: it lapses, and the round goes on.
    await eventually(
      () => statusOf(ids[3]!),
      (status) => status === 'under_review',
    );
    const requested = await (
      await as('city')
    ).post(`/applications/${ids[3]}/decisions`, {
      stage: 'completeness',
      decision: 'request_documents',
      reasons: ['缺少镇域养老服务发展规划'],
    });
    expect(requested.body.status).toBe('awaiting_applicant');
    await eventually(
      () => statusOf(ids[3]!),
      (status) => status === 'refused',
      30_000,
    );

    await roundInStatus(logins, roundId, 'scoring');
    type Assignment = { applicationId: string; expertId: string; status: string };
    const list = async (): Promise<Assignment[]> =>
      (await (await as('admin')).get(`/rounds/${roundId}/assignments`)).body as Assignment[];
    const first = await eventually(list, (assignments) => assignments.length === 4);

    // A conflict of interest: refused without a reason, then accepted and replaced.
    const conflicted = first[0]!;
    const expert = await as(await expertUsername(conflicted.expertId));
    const blank = await expert.post(`/rounds/${roundId}/applications/${conflicted.applicationId}/conflict`, {
      reason: '',
    });
    expect(blank.status).toBe(400);
    const declared = await expert.post(
      `/rounds/${roundId}/applications/${conflicted.applicationId}/conflict`,
      {
        reason: '本人曾为该镇养老服务中心提供咨询服务',
      },
    );
    expect(declared.status).toBe(201);
    const afterConflict = await list();
    expect(afterConflict.find((a) => a.expertId === conflicted.expertId)!.status).toBe('conflict');
    expect(afterConflict.filter((a) => a.status === 'assigned')).toHaveLength(4);

    // Bad scores are refused with the field; a reviewer may not score; a second score is refused.
    const open = afterConflict.filter((a) => a.status === 'assigned');
    const scorer = await as(await expertUsername(open[0]!.expertId));
    const path = `/rounds/${roundId}/applications/${open[0]!.applicationId}/scores`;
    const outOfRange = await scorer.post(path, { scores: { ...SCORES, plan: 120 } });
    expect(outOfRange.status).toBe(400);
    expect(JSON.stringify(outOfRange.body.error.details)).toContain('scores.plan');
    const lowWithoutComment = await scorer.post(path, {
      scores: { service_network: 40, service_quality: 40, mechanisms: 40, innovation: 40, plan: 40 },
    });
    expect(lowWithoutComment.status).toBe(400);
    expect((await (await as('city')).post(path, { scores: SCORES })).status).toBe(403);
    for (const assignment of open) {
      const response = await (
        await as(await expertUsername(assignment.expertId))
      ).post(`/rounds/${roundId}/applications/${assignment.applicationId}/scores`, { scores: SCORES });
      expect(response.status).toBe(201);
    }
    expect((await scorer.post(path, { scores: SCORES })).status).toBe(409);

    // Both ranked, both selected: five places, two candidates.
    const ranked = await roundInStatus(logins, roundId, 'ranked');
    expect(ranked.ranking.winners).toHaveLength(2);
    expect((await (await as('city')).post(`/rounds/${roundId}/ranking/approval`)).status).toBe(200);
    await roundInStatus(logins, roundId, 'closed');
    // Each award is settled by the application's own workflow, once the round has signalled it.
    for (const id of ids.slice(0, 2)) {
      const application = await eventually(
        async () => (await (await as('admin')).get(`/applications/${id}`)).body,
        (body) => body.status !== 'in_round',
      );
      expect(application).toMatchObject({ status: 'awaiting_payment', award: { yuan: '300000.00' } });
    }
  }, 180_000);
});
