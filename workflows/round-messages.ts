import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CompetitionDefinition } from '../services/programs/definition';
import type { Actor } from './application-messages';

/*
 * The messages of a competitive round's workflow, shared by the workflow, the application
 * workflows and the API. Experts and the city act by Updates (accepted, or refused and why);
 * applications report their screening, and the public its objections, by Signals.
 */

export type RoundStatus =
  'scheduled' | 'open' | 'screening' | 'scoring' | 'ranked' | 'public_notice' | 'awarding' | 'closed';

export interface RoundWorkflowInput {
  roundId: string;
  cityCode: string;
  /** ISO instants of the application window. */
  opensAt: string;
  closesAt: string;
  /** The competition as the program version pinned by the round defines it. */
  competition: CompetitionDefinition;
}

export interface RoundState {
  roundId: string;
  status: RoundStatus;
  applications: number;
  screened: number;
  shortlisted: string[];
  winners: string[];
  pendingObjections: string[];
}

export interface ScoreInput {
  actor: Actor;
  applicationId: string;
  scores: Record<string, number>;
  comment?: string;
}

export interface ConflictInput {
  actor: Actor;
  applicationId: string;
  reason: string;
}

export interface ApproveRankingInput {
  actor: Actor;
}

export interface ResolveObjectionInput {
  actor: Actor;
  objectionId: string;
  upheld: boolean;
  resolution: string;
}

export const screenedSignal =
  defineSignal<[{ applicationId: string; outcome: 'shortlisted' | 'refused' }]>('screened');
export const objectionFiledSignal =
  defineSignal<[{ objectionId: string; applicationId: string }]>('objectionFiled');

export const scoreUpdate = defineUpdate<RoundState, [ScoreInput]>('score');
export const declareConflictUpdate = defineUpdate<RoundState, [ConflictInput]>('declareConflict');
export const approveRankingUpdate = defineUpdate<RoundState, [ApproveRankingInput]>('approveRanking');
export const resolveObjectionUpdate = defineUpdate<RoundState, [ResolveObjectionInput]>('resolveObjection');

export const roundStatusQuery = defineQuery<RoundState>('roundStatus');

export function roundWorkflowId(roundId: string): string {
  return `round-${roundId}`;
}
