import { Router } from 'express';
import Joi from 'joi';
import { Application, ExpertAssignment, Round, Expert } from '../../../db/models';
import { CITY } from '../../../db/seed/regions';
import { ForbiddenError, NotFoundError } from '../../errors';
import type { ProgramDefinition } from '../../programs/definition';
import { pinnedVersion } from '../../programs/versions';
import { createRound, drawSeedSha256, findRound } from '../../rounds/rounds';
import { listObjections } from '../../rounds/objections';
import {
  approveRankingUpdate,
  declareConflictUpdate,
  resolveObjectionUpdate,
  scoreUpdate,
} from '../../../workflows/round-messages';
import { actorOf, currentUser, requireRole } from '../auth';
import { startRoundWorkflow, updateRound } from '../workflow-client';
import { validate } from '../validation';

/*
 * Competitive rounds (竞争立项): the city announces a round; experts see their assignments,
 * declare conflicts and score; the city approves the ranking and resolves objections. Every
 * step that changes the round goes through its workflow as an Update.
 */
export const roundsRouter = Router();

/**
 * Statuses at which the experts have been drawn. The draw seed is published only from then
 * on; before, its SHA-256 is, so that nobody can work out an application's likely experts in
 * advance, yet anyone can check afterwards that the seed is the one fixed at announcement.
 */
const SEED_REVEALED: ReadonlyArray<Round['status']> = [
  'scoring',
  'ranked',
  'public_notice',
  'awarding',
  'closed',
];

function describeRound(round: Round, withRanking: boolean): Record<string, unknown> {
  return {
    id: round.id,
    programCode: round.programCode,
    year: round.year,
    title: round.title,
    opensAt: round.opensAt,
    closesAt: round.closesAt,
    status: round.status,
    drawSeedSha256: drawSeedSha256(round),
    drawSeed: SEED_REVEALED.includes(round.status) ? round.drawSeed : null,
    approvedAt: round.approvedAt,
    ranking: withRanking ? round.ranking : undefined,
  };
}

/** Announces a round and starts its workflow, which opens and closes it on time. */
roundsRouter.post('/', async (req, res) => {
  const user = requireRole(req, 'admin', 'city_reviewer');
  const round = await createRound(req.body ?? {}, user.id);
  const { definition } = await pinnedVersion(round.programVersionId);
  await startRoundWorkflow({
    roundId: round.id,
    cityCode: CITY.code,
    opensAt: round.opensAt.toISOString(),
    closesAt: round.closesAt.toISOString(),
    competition: (definition as ProgramDefinition).competition!,
  });
  res.status(201).json(describeRound(round, false));
});

roundsRouter.get('/', async (req, res) => {
  currentUser(req);
  const rounds = await Round.findAll({ order: [['opensAt', 'DESC']] });
  res.json(rounds.map((round) => describeRound(round, false)));
});

const STAFF = ['admin', 'city_reviewer', 'district_reviewer', 'finance_officer'];

/** The round; staff also see the ranking with every score, tie-break and note. */
roundsRouter.get('/:id', async (req, res) => {
  const user = currentUser(req);
  const round = await findRound(String(req.params.id));
  res.json(describeRound(round, STAFF.includes(user.role)));
});

/** An expert's own assignments in the round (the applications to score); staff see all. */
roundsRouter.get('/:id/assignments', async (req, res) => {
  const user = currentUser(req);
  const round = await findRound(String(req.params.id));
  let where: Record<string, unknown> = { roundId: round.id };
  if (user.role === 'expert') {
    const expert = await Expert.findOne({ where: { userId: user.id } });
    if (!expert) throw new ForbiddenError('Your account is not in the expert pool.');
    where = { ...where, expertId: expert.id };
  } else if (!STAFF.includes(user.role)) {
    throw new ForbiddenError('Assignments are for experts and city staff.');
  }
  const assignments = await ExpertAssignment.findAll({ where, order: [['assignedAt', 'ASC']] });
  const applications = new Map(
    (await Application.findAll({ where: { id: assignments.map((a) => a.applicationId) } })).map((a) => [
      a.id,
      a,
    ]),
  );
  res.json(
    assignments.map((assignment) => ({
      id: assignment.id,
      applicationId: assignment.applicationId,
      reference: applications.get(assignment.applicationId)?.reference,
      organisationName: applications.get(assignment.applicationId)?.organisationName,
      expertId: assignment.expertId,
      status: assignment.status,
      dueAt: assignment.dueAt,
    })),
  );
});

const scoreBody = Joi.object({
  scores: Joi.object().pattern(Joi.string(), Joi.number()).required(),
  comment: Joi.string().trim().max(2000).allow(''),
});

roundsRouter.post('/:id/applications/:applicationId/scores', async (req, res) => {
  const user = requireRole(req, 'expert');
  const body = validate(scoreBody, req.body ?? {}, 'body');
  const state = await updateRound(String(req.params.id), scoreUpdate, {
    actor: actorOf(user),
    applicationId: String(req.params.applicationId),
    scores: body.scores,
    comment: body.comment,
  });
  res.status(201).json({ status: state.status });
});

const conflictBody = Joi.object({ reason: Joi.string().trim().min(2).max(1000).required() });

roundsRouter.post('/:id/applications/:applicationId/conflict', async (req, res) => {
  const user = requireRole(req, 'expert');
  const body = validate(conflictBody, req.body ?? {}, 'body');
  const state = await updateRound(String(req.params.id), declareConflictUpdate, {
    actor: actorOf(user),
    applicationId: String(req.params.applicationId),
    reason: body.reason,
  });
  res.status(201).json({ status: state.status });
});

/** The city approves the ranked list as a whole; the public notice follows. */
roundsRouter.post('/:id/ranking/approval', async (req, res) => {
  const user = requireRole(req, 'city_reviewer');
  const state = await updateRound(String(req.params.id), approveRankingUpdate, { actor: actorOf(user) });
  res.json({ status: state.status, winners: state.winners });
});

roundsRouter.get('/:id/objections', async (req, res) => {
  requireRole(req, 'admin', 'city_reviewer');
  const round = await findRound(String(req.params.id));
  res.json(await listObjections(round.id));
});

const resolutionBody = Joi.object({
  upheld: Joi.boolean().required(),
  resolution: Joi.string().trim().min(2).max(2000).required(),
});

/** Upholding removes the candidate (withdrawing its award if made) and promotes the next. */
roundsRouter.post('/:id/objections/:objectionId/resolution', async (req, res) => {
  const user = requireRole(req, 'city_reviewer');
  const body = validate(resolutionBody, req.body ?? {}, 'body');
  const round = await findRound(String(req.params.id));
  if (!round) throw new NotFoundError('Round', String(req.params.id));
  const state = await updateRound(round.id, resolveObjectionUpdate, {
    actor: actorOf(user),
    objectionId: String(req.params.objectionId),
    upheld: body.upheld,
    resolution: body.resolution,
  });
  res.json({ status: state.status, winners: state.winners, pendingObjections: state.pendingObjections });
});
