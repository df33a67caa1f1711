import { Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import { NotFoundError } from '../../errors';
import { isUuid } from '../../identifiers/uuid';
import { moduleLogger } from '../../logger';
import { latestPublicNoticeList } from '../../rounds/notices';
import { fileObjection } from '../../rounds/objections';
import { tooManyRequests } from '../rate-limits';
import { notifyRoundOfObjection, type RoundObjectionNotifier } from '../round-signals';

/*
 * The public side of a round's notice period (公示), without an account: the published list,
 * and the form through which anyone may object. Mounted before authentication, at
 * `/public/rounds`.
 */

const log = moduleLogger('api.public-rounds');

const HOUR = 60 * 60_000;

export interface PublicRoundsRouterOptions {
  /** Defaults to signalling the round's workflow. */
  notifyRoundOfObjection?: RoundObjectionNotifier;
  /** Objections accepted per address and hour; 5 unless said. */
  objectionsPerHour?: number;
}

/**
 * The public routes of competitive rounds. Each router counts objections per address on its
 * own, in memory.
 */
export function createPublicRoundsRouter(options: PublicRoundsRouterOptions = {}): Router {
  const notify = options.notifyRoundOfObjection ?? notifyRoundOfObjection;
  const router = Router();

  // An open form invites floods: a few objections an hour per address is ample for a person.
  // TODO(api): the count lives in this process's memory and keys on req.ip — with several API
  // instances or behind a proxy, give it a shared store and set `trust proxy` in app.ts.
  const objectionLimit = rateLimit({
    windowMs: HOUR,
    limit: options.objectionsPerHour ?? 5,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: tooManyRequests(
      'Too many objections from this address; try again in an hour, or write to the bureau.',
    ),
  });

  /** The latest public notice list of the round, as a PDF to view in the browser. */
  router.get('/:id/notice', async (req, res) => {
    const roundId = String(req.params.id);
    const list = isUuid(roundId) ? await latestPublicNoticeList(roundId) : null;
    if (!list) throw new NotFoundError('Public notice list of round', roundId);

    res
      .type('application/pdf')
      .set('Content-Disposition', `inline; filename*=UTF-8''${encodeURIComponent(list.fileName)}`)
      // A later list (after a place is filled again) replaces this one: always ask again.
      .set('Cache-Control', 'no-cache')
      .send(list.content);
  });

  /** Files an objection: {applicationId, name, contact, text}; answers 201 {id, receivedAt}. */
  router.post('/:id/objections', objectionLimit, async (req, res) => {
    const roundId = String(req.params.id);
    if (!isUuid(roundId)) throw new NotFoundError('Round', roundId);
    const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<
      string,
      string
    >;

    const objection = await fileObjection({
      roundId,
      applicationId: body.applicationId as string,
      name: body.name as string,
      contact: body.contact as string,
      text: body.text as string,
      now: new Date(),
    });

    // The objection is recorded whatever happens next, so the objector is not asked to repeat it.
    // Stored first: should the signal be lost, the round reads pending objections back
    // from the record before it awards (workflows/round.ts), so none goes unheard.
    try {
      await notify(roundId, objection.id, body.applicationId as string);
    } catch (error) {
      log.error({ err: error, roundId, objectionId: objection.id }, 'round workflow not told of objection');
    }
    res.status(201).json({ id: objection.id, receivedAt: objection.receivedAt.toISOString() });
  });

  return router;
}

/** The router the API mounts at `/public/rounds`, before authentication. */
export const publicRoundsRouter = createPublicRoundsRouter();
