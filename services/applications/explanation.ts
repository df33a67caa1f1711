import {
  ApplicationFlag,
  ProgramVersion,
  RuleEvaluation,
  type Application,
  type User,
} from '../../db/models';

/*
 * Why an application got what it got: every stored evaluation of its program's rules and
 * formula, with the values each rule saw and every parameter the amount used, and the
 * flags the checks raised for reviewers. Applicants see the evaluations of their own
 * applications; the flags, which may name other applicants, are for staff only.
 */

export async function applicationExplanation(
  application: Application,
  user: User,
): Promise<Record<string, unknown>> {
  const [version, evaluations, flags] = await Promise.all([
    application.programVersionId === null ? null : ProgramVersion.findByPk(application.programVersionId),
    RuleEvaluation.findAll({ where: { applicationId: application.id }, order: [['createdAt', 'ASC']] }),
    ApplicationFlag.findAll({ where: { applicationId: application.id }, order: [['raisedAt', 'ASC']] }),
  ]);
  return {
    reference: application.reference,
    programCode: application.programCode,
    programVersion: version
      ? { version: version.version, effectiveFrom: version.effectiveFrom, sha256: version.definitionSha256 }
      : null,
    evaluations: evaluations.map((evaluation) => ({
      purpose: evaluation.purpose,
      outcome: evaluation.outcome,
      at: evaluation.createdAt,
      trace: evaluation.trace,
    })),
    flags:
      user.role === 'applicant'
        ? undefined
        : flags.map((flag) => ({ kind: flag.kind, detail: flag.detail, raisedAt: flag.raisedAt })),
  };
}
