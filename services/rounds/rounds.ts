import crypto from 'node:crypto';
import Joi from 'joi';
import { UniqueConstraintError } from 'sequelize';
import { inTransaction } from '../../db';
import { Round, type RoundStatus } from '../../db/models';
import { recordAuditEvent } from '../audit';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { versionInForce } from '../programs/versions';
import { shanghaiDate } from '../time';

/*
 * A competitive round (竞争立项) of a program for one year: its window, its state, and the
 * seed of its random expert draw, fixed when the round is announced and published in the
 * audit trail so that anyone can repeat the draw afterwards.
 */

const roundSchema = Joi.object({
  programCode: Joi.string().required(),
  year: Joi.number().integer().min(2024).max(2100).required(),
  title: Joi.string().trim().min(2).max(200),
  opensAt: Joi.date().iso().required(),
  closesAt: Joi.date().iso().greater(Joi.ref('opensAt')).required().messages({
    'date.greater': 'closesAt must be after opensAt',
  }),
});

export interface RoundInput {
  programCode: string;
  year: number;
  title?: string;
  opensAt: Date;
  closesAt: Date;
}

/**
 * Announces a round of a competitive program, pinned to the program version in force on
 * the day it opens.
 * @throws ValidationError for bad input; ConflictError NOT_COMPETITIVE for other programs,
 *   ROUND_EXISTS when the year already has a round.
 */
export async function createRound(body: unknown, actor: string): Promise<Round> {
  const { value, error } = roundSchema.validate(body, { abortEarly: false, convert: true });
  if (error) {
    throw new ValidationError(
      'The round has problems; correct the fields listed.',
      error.details.map((d) => ({ field: d.path.join('.'), message: d.message })),
    );
  }
  const input = value as RoundInput;
  const version = await versionInForce(input.programCode, shanghaiDate(input.opensAt));
  const { definition } = version;
  if (definition.process !== 'competitive_round') {
    throw new ConflictError(`${definition.name} is not decided by a competitive round.`, 'NOT_COMPETITIVE');
  }
  const { firstYear, lastYear } = definition.window;
  if (input.year < firstYear || (lastYear !== null && input.year > lastYear)) {
    throw new ValidationError(`${definition.name} runs from ${firstYear} to ${lastYear ?? 'no set end'}.`, [
      { field: 'year', message: `${input.year} is outside the program's years` },
    ]);
  }

  try {
    return await inTransaction(async (tx) => {
      const round = await Round.create(
        {
          id: crypto.randomUUID(),
          programCode: definition.code,
          programVersionId: version.id,
          year: input.year,
          title: input.title ?? `${input.year}年度${definition.name}评审`,
          opensAt: input.opensAt,
          closesAt: input.closesAt,
          status: 'scheduled',
          drawSeed: crypto.randomBytes(16).toString('hex'),
          ranking: null,
          approvedBy: null,
          approvedAt: null,
          createdBy: actor,
          createdAt: new Date(),
        },
        { transaction: tx },
      );
      await recordAuditEvent(tx, {
        actor,
        action: 'round.created',
        subjectType: 'round',
        subjectId: round.id,
        after: {
          programCode: round.programCode,
          programVersion: version.version,
          year: round.year,
          opensAt: round.opensAt.toISOString(),
          closesAt: round.closesAt.toISOString(),
          drawSeed: round.drawSeed,
          drawSeedSha256: drawSeedSha256(round),
        },
      });
      return round;
    });
  } catch (caught) {
    if (caught instanceof UniqueConstraintError) {
      throw new ConflictError(`${definition.name} already has a round for ${input.year}.`, 'ROUND_EXISTS');
    }
    throw caught;
  }
}

/**
 * The SHA-256 of a round's draw seed: published from the announcement, so that the seed
 * revealed after the draw can be checked to be the one fixed before anyone applied.
 */
export function drawSeedSha256(round: Pick<Round, 'drawSeed'>): string {
  return crypto.createHash('sha256').update(round.drawSeed).digest('hex');
}

export async function findRound(roundId: string): Promise<Round> {
  const round = /^[0-9a-f-]{36}$/i.test(roundId) ? await Round.findByPk(roundId) : null;
  if (!round) throw new NotFoundError('Round', roundId);
  return round;
}

/** Moves the round to `status`, with its audit event; the same status again changes nothing. */
export async function setRoundStatus(input: { roundId: string; status: RoundStatus }): Promise<void> {
  await inTransaction(async (tx) => {
    const round = await Round.findByPk(input.roundId, { transaction: tx, lock: tx.LOCK.UPDATE });
    if (!round) throw new NotFoundError('Round', input.roundId);
    if (round.status === input.status) return;
    const before = { status: round.status };
    await round.update({ status: input.status }, { transaction: tx });
    await recordAuditEvent(tx, {
      actor: 'system:round',
      action: `round.${input.status}`,
      subjectType: 'round',
      subjectId: round.id,
      before,
      after: { status: input.status },
    });
  });
}
