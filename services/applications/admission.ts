import { Op } from 'sequelize';
import { Round } from '../../db/models';
import { ConflictError, ValidationError } from '../errors';
import type { ApplicationWindow, ProgramDefinition } from '../programs/definition';
import { validateApplicationFacts } from '../programs/application-facts';
import { activeBlacklistEntry } from '../programs/checks';
import { versionInForce, type PinnedVersion } from '../programs/versions';
import { shanghaiDate } from '../time';
import type { Submission } from './submission';

/*
 * Whether a submission may enter the program at all, judged by the program version in
 * force today: the program takes applications one by one, its window is open, the
 * applicant is of a type it funds and is not barred, and the submission carries what the
 * program's subject and facts require. Nothing is written before all of this passes.
 */

export interface Admission {
  version: PinnedVersion;
  /** The competitive round taking the application, for competitive programs. */
  roundId: string | null;
  /** The submitted facts, converted to their declared types. */
  facts: Record<string, unknown>;
}

const PROCESS_NAMES = { allocation: '因素法分配' } as const;

/** The window's dates for `year`, or why the program takes no applications that year. */
function windowProblem(window: ApplicationWindow, today: string): string | null {
  const year = Number(today.slice(0, 4));
  if (year < window.firstYear || (window.lastYear !== null && year > window.lastYear)) {
    const until = window.lastYear === null ? 'onwards' : `to ${window.lastYear}`;
    return `The program takes applications in the years ${window.firstYear} ${until}, not in ${year}.`;
  }
  const opens = `${year}-${window.opens}`;
  const closes = `${year}-${window.closes}`;
  if (today < opens || today > closes) {
    return `Applications for ${year} are accepted from ${opens} to ${closes}; today is ${today}.`;
  }
  return null;
}

function subjectProblems(definition: ProgramDefinition, submission: Submission): string[] {
  const listsBeds = (submission.beds?.length ?? 0) > 0;
  if (definition.subject.kind === 'bed' && !listsBeds) return ['beds: list at least one bed'];
  if (definition.subject.kind !== 'bed' && listsBeds) {
    return [`beds: this program funds ${definition.subject.name}, not beds; leave beds out`];
  }
  return [];
}

/**
 * @throws ConflictError PROGRAM_NOT_OPEN_FOR_APPLICATIONS, APPLICATION_WINDOW_CLOSED or
 *   APPLICANT_BLACKLISTED; ValidationError for a wrong applicant type, missing beds or bad facts.
 */
export async function admitSubmission(submission: Submission, now = new Date()): Promise<Admission> {
  const today = shanghaiDate(now);
  const version = await versionInForce(submission.programCode, today);
  const { definition } = version;

  if (definition.process === 'allocation') {
    throw new ConflictError(
      `${definition.name} is decided as a whole (${PROCESS_NAMES[definition.process]}): nobody applies to it.`,
      'PROGRAM_NOT_OPEN_FOR_APPLICATIONS',
    );
  }
  // A competitive program takes applications while one of its rounds is open; others by their window.
  const round = definition.process === 'competitive_round' ? await openRound(definition, now) : null;
  if (!round) {
    const closed = windowProblem(definition.window, today);
    if (closed) throw new ConflictError(`${definition.name}: ${closed}`, 'APPLICATION_WINDOW_CLOSED');
  }
  if (!definition.applicantTypes.includes(submission.applicantType)) {
    throw new ValidationError(`${definition.name} is open to ${definition.applicantTypes.join(', ')} only.`, [
      { field: 'applicantType', message: `"${submission.applicantType}" may not apply to this program` },
    ]);
  }
  const problems = subjectProblems(definition, submission);
  if (problems.length > 0) {
    throw new ValidationError(
      'The application does not describe what this program funds.',
      problems.map((problem) => {
        const [field, message] = problem.split(': ');
        return { field: field ?? 'beds', message: message ?? problem };
      }),
    );
  }
  const facts = validateApplicationFacts(definition, submission.facts);

  if (definition.checks.blacklist) {
    const entry = await activeBlacklistEntry(submission.organisation.creditCode, definition.code, today);
    if (entry) {
      throw new ConflictError(
        `The organisation is on the blacklist (黑名单) from ${entry.listedFrom}` +
          `${entry.listedUntil ? ` to ${entry.listedUntil}` : ''} and may not apply.`,
        'APPLICANT_BLACKLISTED',
      );
    }
  }
  return { version, facts, roundId: round?.id ?? null };
}

/**
 * The round of a competitive program open at `now`.
 * @throws ConflictError ROUND_NOT_OPEN naming the nearest round's dates, or saying there is none.
 */
async function openRound(definition: ProgramDefinition, now: Date): Promise<Round> {
  const round = await Round.findOne({
    where: { programCode: definition.code, opensAt: { [Op.lte]: now }, closesAt: { [Op.gt]: now } },
  });
  if (round) return round;
  const nearest = await Round.findOne({
    where: { programCode: definition.code },
    order: [['opensAt', 'DESC']],
  });
  const when = nearest
    ? `Its ${nearest.year} round takes applications from ${nearest.opensAt.toISOString()} ` +
      `to ${nearest.closesAt.toISOString()}.`
    : 'No round has been announced yet.';
  throw new ConflictError(
    `${definition.name} takes applications only while a round is open. ${when}`,
    'ROUND_NOT_OPEN',
  );
}
