import { objectionFiledSignal } from '../../workflows/round-messages';
import { signalRound } from './workflow-client';

/*
 * How the public objection route tells a round's workflow about a new objection. The route
 * takes the notifier as a parameter, so that its tests need no Temporal.
 */

/** Tells the round's workflow that an objection to `applicationId` was filed. */
export type RoundObjectionNotifier = (
  roundId: string,
  objectionId: string,
  applicationId: string,
) => Promise<void>;

/**
 * The notifier the API uses: signals `objectionFiled` to the workflow `round-<roundId>`.
 * @throws whatever the Temporal client throws when the workflow cannot be reached.
 */
export const notifyRoundOfObjection: RoundObjectionNotifier = (roundId, objectionId, applicationId) =>
  signalRound(roundId, objectionFiledSignal.name, { objectionId, applicationId });
