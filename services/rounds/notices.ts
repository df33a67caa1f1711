import { inTransaction } from '../../db';
import { Application, Notice, Program, Round } from '../../db/models';
import { recordAuditEvent } from '../audit';
import { ConflictError, NotFoundError } from '../errors';
import { readStoredFile } from '../files';
import { fenFromColumn } from '../money/amount';
import { issueNotice, type IssuedNotice, type NoticeContent, type PublicNoticeListEntry } from '../notices';
import { nextDocumentNumber } from '../notices/numbering';
import { shanghaiDate } from '../time';

/*
 * A competitive round's notices (竞争立项): the public notice list (公示名单), published rather
 * than mailed and kept against the round; and two letters to applicants, mailed like every
 * other application notice. Each is idempotent on its notice key, as activities need.
 */

const ACTOR = 'system:notices';

export interface PublicNoticeListInput {
  roundId: string;
  /** 1 for the first list; a list published again after a change (递补) takes the next number. */
  sequence: number;
  entries: PublicNoticeListEntry[];
  /** The notice period, YYYY-MM-DD, first and last day inclusive. */
  periodFrom: string;
  periodTo: string;
  /** The public page where anyone may object. */
  objectionUrl: string;
}

/** `round-<id>:public-notice:<sequence>`: the notice key of a round's list number `sequence`. */
export function publicNoticeKey(roundId: string, sequence: number): string {
  return `round-${roundId}:public-notice:${sequence}`;
}

/**
 * Issues public notice list number `sequence` of a round: rendered, stored, recorded against
 * the round with no application and no recipient, since it is published, not mailed.
 * Issuing the same sequence again returns the first list unchanged.
 * @throws NotFoundError when there is no such round.
 * @throws RangeError for entries, dates or a URL the notice cannot print (see compose-round.ts).
 */
export async function issuePublicNoticeList(input: PublicNoticeListInput): Promise<IssuedNotice> {
  const round = await findRound(input.roundId);
  const noticeKey = publicNoticeKey(round.id, input.sequence);
  const existing = await Notice.findOne({ where: { noticeKey } });

  const issued = await issueNotice({
    applicationId: null,
    recipientEmail: null,
    actor: ACTOR,
    content: {
      kind: 'public_notice_list',
      programName: await programName(round.programCode),
      // Numbered once: a retried activity finds its notice and is not numbered again.
      documentNumber: existing ? '' : await nextDocumentNumber(round.year),
      issuedOn: shanghaiDate(),
      organisationName: '社会公众',
      applicationReference: roundReference(round),
      noticeKey,
      roundTitle: round.title,
      roundYear: round.year,
      entries: input.entries,
      periodFrom: input.periodFrom,
      periodTo: input.periodTo,
      objectionUrl: input.objectionUrl,
    },
  });

  // issueNotice knows nothing of rounds; the list is published once it is linked to its round.
  // The link is its own step, so a retry after a crash between the two completes it.
  await inTransaction(async (tx) => {
    const [linked] = await Notice.update(
      { roundId: round.id },
      { where: { id: issued.id, roundId: null }, transaction: tx },
    );
    if (linked === 0) return;
    await recordAuditEvent(tx, {
      actor: ACTOR,
      action: 'round.notice_list_published',
      subjectType: 'round',
      subjectId: round.id,
      after: {
        noticeKey,
        sequence: input.sequence,
        entries: input.entries.length,
        periodFrom: input.periodFrom,
        periodTo: input.periodTo,
      },
    });
  });
  return issued;
}

/**
 * The most recent public notice list of a round, as stored; null when none was published.
 */
export async function latestPublicNoticeList(
  roundId: string,
): Promise<{ noticeKey: string; fileName: string; content: Buffer } | null> {
  const notice = await Notice.findOne({
    where: { roundId, kind: 'public_notice_list' },
    order: [['createdAt', 'DESC']],
  });
  if (!notice) return null;
  return {
    noticeKey: notice.noticeKey,
    fileName: notice.fileName,
    content: await readStoredFile(notice.storageKey),
  };
}

export interface RoundResultInput {
  applicationId: string;
  noticeKey: string;
  /** The aggregated score as ranked, such as "83.47"; null or "" when no expert scored. */
  score: string | null;
  /** Null when the candidate was not ranked (ineligible or unscored). */
  rank: number | null;
  rankedCount: number;
  places: number;
}

/**
 * Tells a candidate that was not selected its score, its rank and its right of appeal
 * (评审结果告知书), mailed to the application's contact address.
 * @throws NotFoundError for an unknown application; ConflictError when it belongs to no round.
 */
export async function issueRoundResult(input: RoundResultInput): Promise<IssuedNotice> {
  const { application, round } = await roundApplication(input.applicationId);
  return issueApplicationNotice(application, {
    ...(await letterBase(application, round, input.noticeKey)),
    kind: 'round_result',
    roundTitle: round.title,
    score: input.score === '' ? null : input.score,
    rank: input.rank,
    rankedCount: input.rankedCount,
    places: input.places,
  });
}

export interface AwardWithdrawnInput {
  applicationId: string;
  noticeKey: string;
  /** What the investigation of the upheld objection found. */
  reason: string;
  paymentCancelled: boolean;
}

/**
 * Withdraws an award in writing after an upheld objection (撤销奖补决定书), mailed to the
 * application's contact address. The amount is printed when the award had been settled.
 * @throws NotFoundError for an unknown application; ConflictError when it belongs to no round.
 */
export async function issueAwardWithdrawn(input: AwardWithdrawnInput): Promise<IssuedNotice> {
  const { application, round } = await roundApplication(input.applicationId);
  return issueApplicationNotice(application, {
    ...(await letterBase(application, round, input.noticeKey)),
    kind: 'award_withdrawn',
    roundTitle: round.title,
    reason: input.reason,
    awardAmountFen: application.awardFen === null ? null : fenFromColumn(application.awardFen),
    paymentCancelled: input.paymentCancelled,
  });
}

async function findRound(roundId: string): Promise<Round> {
  const round = await Round.findByPk(roundId);
  if (!round) throw new NotFoundError('Round', roundId);
  return round;
}

async function roundApplication(applicationId: string): Promise<{ application: Application; round: Round }> {
  const application = await Application.findByPk(applicationId);
  if (!application) throw new NotFoundError('Application', applicationId);
  if (!application.roundId) {
    throw new ConflictError(
      `Application ${application.reference} was not submitted to a competitive round.`,
      'NOT_IN_A_ROUND',
    );
  }
  return { application, round: await findRound(application.roundId) };
}

type LetterBase = Pick<
  NoticeContent,
  'programName' | 'documentNumber' | 'issuedOn' | 'organisationName' | 'applicationReference' | 'noticeKey'
>;

async function letterBase(application: Application, round: Round, noticeKey: string): Promise<LetterBase> {
  const existing = await Notice.findOne({ where: { noticeKey } });
  return {
    programName: await programName(application.programCode),
    documentNumber: existing ? '' : await nextDocumentNumber(round.year),
    issuedOn: shanghaiDate(),
    organisationName: application.organisationName,
    applicationReference: application.reference,
    noticeKey,
  };
}

function issueApplicationNotice(application: Application, content: NoticeContent): Promise<IssuedNotice> {
  return issueNotice({
    applicationId: application.id,
    recipientEmail: application.contactEmail,
    actor: ACTOR,
    content,
  });
}

async function programName(code: string): Promise<string> {
  return (await Program.findByPk(code))?.name ?? code;
}

/** ROUND-2026-township-demonstration: printed where an application notice has its reference. */
function roundReference(round: Round): string {
  return `ROUND-${round.year}-${round.programCode}`;
}
