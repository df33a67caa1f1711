import crypto from 'node:crypto';
import {
  Application,
  Appropriation,
  AuditEvent,
  Expert,
  FundingClaim,
  Notice,
  Payment,
  User,
} from '../../db/models';
import { verifyAuditChain } from '../../services/audit';
import { readNoticePdf } from '../../services/notices';
import { verifyLedger } from '../../services/money/ledger';
import { ApiClient } from '../support/http';
import { eventually, pdfText } from '../support/pdf';
import {
  createTownships,
  expertUsername,
  roundInStatus,
  Logins,
  screenIn,
  townshipApplication,
  type Township,
  prepareRoundProgram,
  ROUND_TEST_YEAR,
} from '../support/rounds';
import { startSystem, type RunningSystem } from '../support/system';

/*
 * One township-demonstration round through its whole life, over the API: window, screening,
 * random expert draw, an expert who never scores, a tie at the last place, a budget for four,
 * an earlier winner who may not win again, public notice, an objection upheld after the
 * payment was prepared, the next candidate promoted with its own notice period, and letters.
 * Deadlines are seconds long through a published program version, never through the code.
 */

let system: RunningSystem;
let logins: Logins;
let townships: Township[];
const year = ROUND_TEST_YEAR;
const as = (username: string): Promise<ApiClient> => logins.as(username);

const criteria = (
  service_network: number,
  service_quality: number,
  mechanisms: number,
  innovation: number,
  plan: number,
) => ({
  service_network,
  service_quality,
  mechanisms,
  innovation,
  plan,
});
// T4 and T5 tie at 77.50; T5's higher 服务内容与质量 puts it fourth, inside the budget for four.
const PLANNED = [
  criteria(95, 95, 95, 95, 95),
  criteria(90, 90, 90, 90, 90),
  criteria(85, 85, 85, 85, 85),
  criteria(80, 70, 80, 80, 80),
  criteria(80, 90, 70, 70, 65),
  criteria(70, 70, 70, 70, 70),
  criteria(62, 62, 62, 62, 62),
  criteria(99, 99, 99, 99, 99),
];

beforeAll(async () => {
  system = await startSystem();
  logins = new Logins(system.url);
  townships = await createTownships('ra', 'zhifu', 8);
  // Money for four awards of 300,000 yuan: the budget, not the five places, limits the winners.
  await prepareRoundProgram(await as('admin'), {
    competition: {
      expertsPerApplication: 3,
      scoringPeriod: { duration: 'PT10S' },
      reminderAfter: { duration: 'PT3S' },
      noticePeriod: { duration: 'PT10S' },
    },
    fundSourceCode: 'city_special',
    amount: '1200000',
  });
  await markEarlierWinner(townships[7] as Township);
}, 120_000);
afterAll(() => system?.stop());

/** An objection from a member of the public, over the public route, without an account. */
function objectTo(roundId: string, applicationId: string, text: string): Promise<Response> {
  return fetch(`${system.url}/public/rounds/${roundId}/objections`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ applicationId, name: '张三', contact: '13800138000', text }),
  });
}

/** T8 won in 2024: its township's funding claim is funded for good. */
async function markEarlierWinner(township: Township): Promise<void> {
  const user = (await User.findOne({ where: { username: township.username } })) as User;
  const earlier = await Application.create({
    id: crypto.randomUUID(),
    reference: 'ZYSF-2024-000001',
    programCode: 'township-demonstration',
    programYear: 2024,
    status: 'paid',
    stage: null,
    applicantUserId: user.id,
    idempotencyKey: null,
    organisationCreditCode: township.creditCode,
    organisationName: township.name,
    contactEmail: 'earlier@example.test',
    districtCode: township.districtCode,
    townshipCode: township.townshipCode,
    bankAccountName: township.name,
    bankAccountNumber: '6222020606009876543',
    bankName: '中国农业银行烟台分行',
    awardFen: '30000000',
    awardCalculation: null,
    appropriationId: null,
    programVersionId: null,
    submittedAt: new Date('2024-04-01T02:00:00Z'),
    updatedAt: new Date('2024-06-01T02:00:00Z'),
  });
  await FundingClaim.create({
    id: crypto.randomUUID(),
    fundingGroup: 'township-demonstration',
    subjectKey: `region:${crypto.createHash('sha256').update(township.townshipCode).digest('hex')}`,
    subjectLabel: township.townshipCode,
    programCode: 'township-demonstration',
    applicationId: earlier.id,
    periodFrom: '2024-01-01',
    periodTo: null,
    status: 'funded',
    createdAt: new Date(),
    updatedAt: new Date(),
  });
}

async function applicationStatus(id: string, status: string): Promise<Record<string, any>> {
  const admin = await as('admin');
  return (
    await eventually(
      () => admin.get(`/applications/${id}`),
      (r) => r.body.status === status,
      60_000,
    )
  ).body;
}

describe('a township-demonstration round', () => {
  it('runs from its window to the last award, with every edge the policy meets', async () => {
    const opensAt = new Date(Date.now() + 1_000);
    const created = await (
      await as('city')
    ).post('/rounds', {
      programCode: 'township-demonstration',
      year,
      opensAt: opensAt.toISOString(),
      closesAt: new Date(opensAt.getTime() + 12_000).toISOString(),
    });
    expect(created.status).toBe(201);
    const roundId = created.body.id as string;
    // The seed stays hidden until the experts are drawn; its hash is public from the start.
    expect(created.body.drawSeed).toBeNull();
    const seedHash = created.body.drawSeedSha256 as string;
    expect(seedHash).toMatch(/^[0-9a-f]{64}$/);

    // Before the window opens: refused with the round's dates.
    const early = await (
      await as(townships[0]!.username)
    ).post('/applications', townshipApplication(townships[0]!));
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('ROUND_NOT_OPEN');

    await roundInStatus(logins, roundId, 'open');
    const ids: string[] = [];
    for (const township of townships) {
      const submitted = await (
        await as(township.username)
      ).post('/applications', townshipApplication(township));
      expect(submitted.status).toBe(201);
      expect(submitted.body.status).toBe('awaiting_round');
      ids.push(submitted.body.id);
    }

    // Screening waits for the window to close, then runs the program's stages.
    const early_decision = await (
      await as('city')
    ).post(`/applications/${ids[0]}/decisions`, {
      stage: 'completeness',
      decision: 'accept',
    });
    expect(early_decision.status).toBe(409);
    await roundInStatus(logins, roundId, 'screening');
    for (const id of ids) {
      await applicationStatus(id, 'under_review');
      await screenIn(logins, id, 'district');
    }

    // The draw: three experts each, none from the applicants' own district (芝罘区).
    const scoring = await roundInStatus(logins, roundId, 'scoring');
    expect(crypto.createHash('sha256').update(scoring.drawSeed).digest('hex')).toBe(seedHash);
    type Assignment = { applicationId: string; expertId: string; status: string };
    const listAssignments = async (): Promise<Assignment[]> =>
      (await (await as('admin')).get(`/rounds/${roundId}/assignments`)).body as Assignment[];
    const assignments = await eventually(listAssignments, (list) => list.length === 24, 30_000);
    expect(assignments).toHaveLength(24);
    for (const assignment of assignments) {
      expect((await Expert.findByPk(assignment.expertId))!.districtCode).not.toBe('zhifu');
    }
    const drawEvents = await AuditEvent.count({ where: { action: 'round.experts_drawn' } });
    expect(drawEvents).toBeGreaterThanOrEqual(8);

    // Everyone scores except one of T1's experts, who is replaced at the deadline.
    const lazy = assignments.find((a) => a.applicationId === ids[0])!;
    for (const assignment of assignments) {
      if (assignment === lazy) continue;
      const planned = PLANNED[ids.indexOf(assignment.applicationId)]!;
      const scored = await (
        await as(await expertUsername(assignment.expertId))
      ).post(`/rounds/${roundId}/applications/${assignment.applicationId}/scores`, {
        scores: planned,
        comment: '材料翔实',
      });
      expect(scored.status).toBe(201);
    }
    const replacement = await eventually(
      async () =>
        (await listAssignments()).find(
          (a) => a.applicationId === ids[0] && a.status === 'assigned' && a.expertId !== lazy.expertId,
        ),
      (found) => found !== undefined,
      60_000,
    );
    expect(
      (
        await (
          await as(await expertUsername(replacement!.expertId))
        ).post(`/rounds/${roundId}/applications/${ids[0]}/scores`, { scores: PLANNED[0] })
      ).status,
    ).toBe(201);

    // The ranking: four places for the budget, the tie broken by 服务内容与质量, T8 not eligible.
    const ranked = await roundInStatus(logins, roundId, 'ranked');
    const ranking = ranked.ranking as {
      winners: string[];
      entries: Array<Record<string, any>>;
      affordablePlaces: number;
    };
    expect(ranking.affordablePlaces).toBe(4);
    expect(ranking.winners).toEqual([ids[0], ids[1], ids[2], ids[4]]);
    const fifth = ranking.entries.find((entry) => entry.applicationId === ids[3])!;
    expect(fifth).toMatchObject({
      rank: 5,
      selected: false,
      tieBrokenBy: 'criterion:service_quality',
      score: '77.50',
    });
    const earlierWinner = ranking.entries.find((entry) => entry.applicationId === ids[7])!;
    expect(earlierWinner).toMatchObject({ rank: null, selected: false });
    // Why it is unranked is stored with the rule's trace, as for any evaluation.
    const explanation = await (await as('city')).get(`/applications/${ids[7]}/explanation`);
    expect(explanation.body.evaluations).toEqual([
      expect.objectContaining({
        purpose: 'screening',
        outcome: 'ineligible',
        trace: expect.objectContaining({ reasons: [expect.stringContaining('不再重复奖补')] }),
      }),
    ]);
    expect((await (await as('district')).post(`/rounds/${roundId}/ranking/approval`)).status).toBe(403);
    expect((await (await as('city')).post(`/rounds/${roundId}/ranking/approval`)).status).toBe(200);

    // Public notice, and an objection to the first winner from a member of the public.
    await roundInStatus(logins, roundId, 'public_notice');
    const list = await eventually(
      () => fetch(`${system.url}/public/rounds/${roundId}/notice`),
      (response) => response.status === 200,
    );
    const listText = pdfText(Buffer.from(await list.arrayBuffer())).replace(/\s+/g, '');
    expect(listText).toContain(townships[0]!.name);
    expect(listText).toContain(`/public/rounds/${roundId}/objections`);
    const objection = await objectTo(
      roundId,
      ids[0]!,
      '该镇申报材料中的日间照料中心尚未投入运营，与实际不符。',
    );
    expect(objection.status).toBe(201);
    const objectionId = ((await objection.json()) as { id: string }).id;

    // The period ends: the four are awarded; finance prepares T1's payment.
    for (const winner of ranking.winners) await applicationStatus(winner, 'awaiting_payment');
    const prepared = await (await as('finance1')).post(`/applications/${ids[0]}/payment`);
    expect(prepared.status).toBe(201);
    // Not sent while the objection is pending: sent money could only be recovered.
    const tooEarly = await (await as('finance2')).post(`/payments/${prepared.body.paymentId}/approval`);
    expect(tooEarly.status).toBe(409);
    expect(tooEarly.body.error.code).toBe('OBJECTION_PENDING');

    // The objection is upheld: T1's payment is cancelled, its award withdrawn, T4 promoted.
    const resolved = await (
      await as('city')
    ).post(`/rounds/${roundId}/objections/${objectionId}/resolution`, {
      upheld: true,
      resolution: '经核查，日间照料中心确未运营，取消其示范点资格。',
    });
    expect(resolved.status).toBe(200);

    // T4 is in a notice period of its own: it may be objected to; T2, past its period, not.
    const doubt = '对该镇递补为示范点有疑问，请核实其申报材料。';
    const late = await objectTo(roundId, ids[1]!, doubt);
    expect(late.status).toBe(409);
    const refusal = (await late.json()) as { error: { code: string } };
    expect(refusal.error.code).toBe('NOT_IN_PUBLIC_NOTICE');
    const promotedObjection = await objectTo(roundId, ids[3]!, doubt);
    expect(promotedObjection.status).toBe(201);
    const promotedObjectionId = ((await promotedObjection.json()) as { id: string }).id;
    const dismissed = await (
      await as('city')
    ).post(`/rounds/${roundId}/objections/${promotedObjectionId}/resolution`, {
      upheld: false,
      resolution: '经核查，该镇申报材料属实，异议不成立。',
    });
    expect(dismissed.status).toBe(200);
    await applicationStatus(ids[0]!, 'award_withdrawn');
    expect((await Payment.findByPk(prepared.body.paymentId))!.status).toBe('cancelled');
    await applicationStatus(ids[3]!, 'awaiting_payment');
    const secondList = await Notice.findOne({ where: { noticeKey: `round-${roundId}:public-notice:2` } });
    expect(secondList).not.toBeNull();

    // The others get their letters when the round closes.
    await roundInStatus(logins, roundId, 'closed');
    for (const index of [5, 6, 7]) await applicationStatus(ids[index]!, 'not_selected');
    const letter = await Notice.findOne({ where: { applicationId: ids[5], kind: 'round_result' } });
    const letterText = pdfText((await readNoticePdf(letter!.noticeKey)).content).replace(/\s+/g, '');
    expect(letterText).toContain('70.00');
    expect(letterText).toContain('行政复议');
    const withdrawn = await Notice.findOne({ where: { applicationId: ids[0], kind: 'award_withdrawn' } });
    expect(withdrawn).not.toBeNull();

    // Money: four awards committed (T2, T3, T5, T4), T1's released; the ledger balances.
    const appropriation = await Appropriation.findOne({
      where: { programCode: 'township-demonstration', year },
    });
    expect(appropriation!.committedFen).toBe('120000000');
    expect((await verifyLedger()).ok).toBe(true);
    expect((await verifyAuditChain()).intact).toBe(true);
    expect(system.mails.some((mail) => (mail.subject ?? '').includes('提醒'))).toBe(true);
  }, 240_000);
});
