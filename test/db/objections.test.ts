import crypto from 'node:crypto';
import { AuditEvent, Objection, type Application, type Round } from '../../db/models';
import { ConflictError, NotFoundError, ValidationError } from '../../services/errors';
import { openPersonalData } from '../../services/personal-data';
import {
  fileObjection,
  listObjections,
  maskContact,
  recordObjectionResolution,
  type ObjectionInput,
} from '../../services/rounds/objections';
import { releaseTestDatabase, useTestDatabase } from '../support/database';
import {
  createRound,
  createRoundApplication,
  createRoundWorld,
  rankRound,
  type RoundWorld,
} from '../support/round-rows';

/* The objector, the township and the objection are invented. */

const OBJECTOR = { name: '李建国', phone: '13812345678', email: 'li.jianguo@example.test' };

let world: RoundWorld;
let round: Round;
let winner: Application;
let runnerUp: Application;

beforeAll(async () => {
  await useTestDatabase();
  world = await createRoundWorld();
  round = await createRound(world);
  winner = await createRoundApplication(world, round);
  runnerUp = await createRoundApplication(world, round);
  await rankRound(round, [winner], [runnerUp]);
});
afterAll(releaseTestDatabase);

function objection(overrides: Partial<ObjectionInput> = {}): ObjectionInput {
  return {
    roundId: round.id,
    applicationId: winner.id,
    name: OBJECTOR.name,
    contact: OBJECTOR.phone,
    text: '该街道申报材料中的日间照料中心尚未建成投用，与实际情况不符。',
    now: new Date('2031-07-02T02:00:00Z'),
    ...overrides,
  };
}

describe('fileObjection', () => {
  it('stores the name and contact sealed, keeps masked copies and audits only those', async () => {
    const { id, receivedAt } = await fileObjection(objection());

    const row = (await Objection.findByPk(id)) as Objection;
    expect(row).toMatchObject({
      status: 'pending',
      objectorNameMasked: '李**',
      contactMasked: '138****5678',
      applicationId: winner.id,
    });
    expect(receivedAt).toEqual(new Date('2031-07-02T02:00:00Z'));
    expect(row.objectorNameSealed).not.toContain(OBJECTOR.name);
    expect(openPersonalData(row.objectorNameSealed)).toBe(OBJECTOR.name);
    expect(openPersonalData(row.contactSealed)).toBe(OBJECTOR.phone);
    const event = await AuditEvent.findOne({ where: { subjectId: id, action: 'objection.filed' } });
    expect(event?.after).toMatchObject({ objectorNameMasked: '李**', contactMasked: '138****5678' });
    expect(JSON.stringify(event)).not.toContain(OBJECTOR.name);
    expect(JSON.stringify(event)).not.toContain(OBJECTOR.phone);
  });

  it('accepts an e-mail address as the contact and lists it masked', async () => {
    const { id } = await fileObjection(objection({ contact: ` ${OBJECTOR.email} ` }));

    const listed = (await listObjections(round.id)).find((item) => item.id === id);

    expect(listed).toMatchObject({ objectorNameMasked: '李**', contactMasked: 'l***@example.test' });
    expect(JSON.stringify(listed)).not.toContain(OBJECTOR.email);
    expect(Object.keys(listed ?? {})).not.toContain('contactSealed');
  });

  it('names every field with a problem and stores nothing', async () => {
    const before = await Objection.count();

    const filing = fileObjection(objection({ name: '李', contact: '12345', text: '不符合' }));

    await expect(filing).rejects.toBeInstanceOf(ValidationError);
    await expect(filing).rejects.toMatchObject({
      details: [
        { field: 'name', message: expect.stringContaining('at least 2') },
        { field: 'contact', message: '"contact" must be a phone number or an e-mail address' },
        { field: 'text', message: expect.stringContaining('at least 10') },
      ],
    });
    expect(await Objection.count()).toBe(before);
  });

  it('requires the name and the contact, and refuses a name or text too long', async () => {
    const input = objection({ name: '名'.repeat(51), text: '长'.repeat(2001) }) as Partial<ObjectionInput>;
    delete input.contact;

    await expect(fileObjection(input as ObjectionInput)).rejects.toMatchObject({
      details: [
        { field: 'name', message: expect.stringContaining('less than or equal to 50') },
        { field: 'contact', message: '"contact" is required' },
        { field: 'text', message: expect.stringContaining('less than or equal to 2000') },
      ],
    });
    await expect(fileObjection(objection({ name: '   ' }))).rejects.toMatchObject({
      details: [{ field: 'name', message: expect.any(String) }],
    });
  });

  it('refuses an application that is not on the published list', async () => {
    const filing = fileObjection(objection({ applicationId: runnerUp.id }));

    await expect(filing).rejects.toBeInstanceOf(ConflictError);
    await expect(filing).rejects.toMatchObject({ status: 409, code: 'NOT_IN_PUBLIC_NOTICE' });
  });

  it('refuses objections to a round that is not in its public notice period', async () => {
    const ranked = await createRound(world, 'ranked');
    const candidate = await createRoundApplication(world, ranked);
    await rankRound(ranked, [candidate]);

    await expect(
      fileObjection(objection({ roundId: ranked.id, applicationId: candidate.id })),
    ).rejects.toMatchObject({ status: 409, code: 'NOT_IN_PUBLIC_NOTICE' });
  });

  it('takes objections to each candidate only until its own notice period ends', async () => {
    const promotedRound = await createRound(world);
    const first = await createRoundApplication(world, promotedRound);
    const promoted = await createRoundApplication(world, promotedRound);
    await rankRound(promotedRound, [first, promoted]);
    // The first winner's period ended; the candidate promoted later is in a period of its own.
    const ranking = promotedRound.ranking as Record<string, unknown>;
    await promotedRound.update({
      ranking: {
        ...ranking,
        noticePeriodEnds: {
          [first.id]: '2031-07-01T16:00:00.000Z',
          [promoted.id]: '2031-07-09T16:00:00.000Z',
        },
      },
    });
    const against = (applicationId: string): ObjectionInput =>
      objection({ roundId: promotedRound.id, applicationId });

    await expect(fileObjection(against(first.id))).rejects.toMatchObject({
      status: 409,
      code: 'NOT_IN_PUBLIC_NOTICE',
      message: expect.stringContaining('2031-07-01T16:00:00.000Z'),
    });
    const { id } = await fileObjection(against(promoted.id));
    expect(await Objection.findByPk(id)).toMatchObject({ applicationId: promoted.id, status: 'pending' });
  });

  it('answers not found for a round that does not exist', async () => {
    await expect(fileObjection(objection({ roundId: crypto.randomUUID() }))).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});

describe('recordObjectionResolution', () => {
  it('resolves a pending objection once, with its audit event', async () => {
    const { id } = await fileObjection(objection());

    const resolved = await recordObjectionResolution({
      objectionId: id,
      upheld: true,
      resolution: '经实地核查，日间照料中心尚未投用，异议成立。',
      actor: world.adminId,
    });

    expect(resolved).toMatchObject({ status: 'upheld', resolution: expect.stringContaining('异议成立') });
    expect(await Objection.findByPk(id)).toMatchObject({ status: 'upheld', resolvedBy: world.adminId });
    const other = recordObjectionResolution({
      objectionId: id,
      upheld: false,
      resolution: '异议不成立。',
      actor: world.adminId,
    });
    await expect(other).rejects.toMatchObject({ status: 409, code: 'OBJECTION_RESOLVED' });
    const events = await AuditEvent.count({ where: { subjectId: id, action: 'objection.resolved' } });
    expect(events).toBe(1);
  });

  it('returns the same resolution again when a retried activity repeats it', async () => {
    const { id } = await fileObjection(objection());
    const input = {
      objectionId: id,
      upheld: false,
      resolution: '经核查，异议不成立。',
      actor: world.adminId,
    };

    const first = await recordObjectionResolution(input);
    const again = await recordObjectionResolution(input);

    expect(again).toEqual(first);
    expect(await AuditEvent.count({ where: { subjectId: id, action: 'objection.resolved' } })).toBe(1);
  });

  it('requires the findings, and answers not found for an unknown objection', async () => {
    const { id } = await fileObjection(objection());

    await expect(
      recordObjectionResolution({ objectionId: id, upheld: true, resolution: '  ', actor: world.adminId }),
    ).rejects.toMatchObject({ details: [{ field: 'resolution', message: expect.any(String) }] });
    await expect(
      recordObjectionResolution({
        objectionId: crypto.randomUUID(),
        upheld: true,
        resolution: '异议成立。',
        actor: world.adminId,
      }),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect(await Objection.findByPk(id)).toMatchObject({ status: 'pending' });
  });
});

describe('maskContact', () => {
  it('keeps the first three and last four digits of a number, and a mailbox initial and domain', () => {
    expect(maskContact('13812345678')).toBe('138****5678');
    expect(maskContact('0535-6612345')).toBe('053****2345');
    expect(maskContact('wang@example.test')).toBe('w***@example.test');
  });
});
