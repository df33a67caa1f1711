import { inTransaction } from '../../db';
import { Application, Appropriation } from '../../db/models';
import { InsufficientBudgetError } from '../../services/errors';
import {
  commitAward,
  ledgerBalances,
  releaseCommitment,
  verifyLedger,
  type Commitment,
} from '../../services/money';
import { releaseTestDatabase, useTestDatabase } from '../support/database';
import { createApplication, fund, PROGRAM, seedBasics, type Seeded } from './seed';

let seeded: Seeded;

beforeAll(async () => {
  await useTestDatabase();
  seeded = await seedBasics();
});
afterAll(releaseTestDatabase);

const commit = (applicationId: string, year: number, amountFen: bigint): Promise<Commitment> =>
  inTransaction((tx) =>
    commitAward(tx, { applicationId, programCode: PROGRAM, year, amountFen, actor: 'system:test' }),
  );

describe('commitAward', () => {
  it('draws on the city special fund first, then district funds, the welfare-lottery fund last', async () => {
    const lottery = await fund(2030, 'welfare_lottery', 1_000_000n, seeded.adminId);
    const district = await fund(2030, 'district_zhifu', 300_000n, seeded.adminId);
    const city = await fund(2030, 'city_special', 500_000n, seeded.adminId);
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => createApplication(seeded.applicantId, 2030)));

    const first = await commit(a!.id, 2030, 400_000n);
    const second = await commit(b!.id, 2030, 250_000n);
    const third = await commit(c!.id, 2030, 400_000n);

    expect(first.appropriationId).toBe(city.appropriationId);
    expect(second.appropriationId).toBe(district.appropriationId);
    expect(third.appropriationId).toBe(lottery.appropriationId);
    const application = await Application.findByPk(a!.id);
    expect(application).toMatchObject({ appropriationId: city.appropriationId, awardFen: '400000' });
  });

  it('returns the existing commitment when called again, and refuses a different amount', async () => {
    await fund(2031, 'city_special', 1_000_000n, seeded.adminId);
    const application = await createApplication(seeded.applicantId, 2031);

    const first = await commit(application.id, 2031, 300_000n);
    const again = await commit(application.id, 2031, 300_000n);

    expect(first.created).toBe(true);
    expect(again).toMatchObject({
      created: false,
      appropriationId: first.appropriationId,
      amountFen: 300_000n,
    });
    expect((await ledgerBalances(first.appropriationId)).committed).toBe(300_000n);
    await expect(commit(application.id, 2031, 300_001n)).rejects.toMatchObject({ code: 'COMMITMENT_EXISTS' });
  });

  it('refuses an award no single source can carry, saying what each has left', async () => {
    await fund(2032, 'city_special', 100_000n, seeded.adminId);
    await fund(2032, 'welfare_lottery', 150_000n, seeded.adminId);
    const application = await createApplication(seeded.applicantId, 2032);

    const refusal = commit(application.id, 2032, 200_000n);

    await expect(refusal).rejects.toBeInstanceOf(InsufficientBudgetError);
    await expect(refusal).rejects.toMatchObject({
      details: {
        requestedFen: '200000',
        sources: [
          expect.objectContaining({ fundSourceCode: 'city_special', availableFen: '100000' }),
          expect.objectContaining({ fundSourceCode: 'welfare_lottery', availableFen: '150000' }),
        ],
      },
    });
  });

  it('refuses an award that differs from the one calculated on the application', async () => {
    await fund(2033, 'city_special', 1_000_000n, seeded.adminId);
    const application = await createApplication(seeded.applicantId, 2033, 200_000n);

    await expect(commit(application.id, 2033, 250_000n)).rejects.toMatchObject({ code: 'AWARD_MISMATCH' });
  });

  it('lets exactly as many of 20 concurrent awards through as the appropriation can carry', async () => {
    const budget = 2_000_000n;
    const award = 270_000n;
    const { appropriationId } = await fund(2034, 'city_special', budget, seeded.adminId);
    const applications = await Promise.all(
      Array.from({ length: 20 }, () => createApplication(seeded.applicantId, 2034)),
    );

    const results = await Promise.allSettled(applications.map((a) => commit(a.id, 2034, award)));

    const succeeded = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    expect(succeeded).toHaveLength(Number(budget / award));
    for (const r of refused)
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(InsufficientBudgetError);
    const row = await Appropriation.findByPk(appropriationId);
    expect(BigInt(row!.committedFen)).toBe((budget / award) * award);
    expect((await ledgerBalances(appropriationId)).committed).toBe((budget / award) * award);
    expect(await verifyLedger()).toMatchObject({ ok: true });
  });
});

describe('releaseCommitment', () => {
  it('returns the open commitment to the available budget, once', async () => {
    const { appropriationId } = await fund(2035, 'city_special', 500_000n, seeded.adminId);
    const application = await createApplication(seeded.applicantId, 2035);
    await commit(application.id, 2035, 500_000n);

    const released = await inTransaction((tx) =>
      releaseCommitment(tx, {
        applicationId: application.id,
        actor: 'system:test',
        reason: 'refused at city review',
      }),
    );
    const again = await inTransaction((tx) =>
      releaseCommitment(tx, { applicationId: application.id, actor: 'system:test', reason: 'repeat' }),
    );

    expect(released.releasedFen).toBe(500_000n);
    expect(again.releasedFen).toBe(0n);
    expect(await ledgerBalances(appropriationId)).toMatchObject({ available: 500_000n, committed: 0n });
    // Released money can carry another award.
    const other = await createApplication(seeded.applicantId, 2035);
    await expect(commit(other.id, 2035, 500_000n)).resolves.toMatchObject({ created: true });
  });

  it('refuses for an unknown application', async () => {
    await expect(
      inTransaction((tx) =>
        releaseCommitment(tx, {
          applicationId: '00000000-0000-4000-8000-000000000000',
          actor: 'system:test',
          reason: 'x',
        }),
      ),
    ).rejects.toMatchObject({ status: 404 });
  });
});
