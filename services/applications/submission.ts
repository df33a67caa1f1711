import crypto from 'node:crypto';
import Joi from 'joi';
import { QueryTypes, UniqueConstraintError } from 'sequelize';
import { database, inTransaction } from '../../db';
import { Application, Bed, Region, type User } from '../../db/models';
import { claimSubjects, raiseFlags, runChecks } from '../programs/checks';
import type { ApplicantType } from '../programs/definition';
import { admitSubmission } from './admission';
import { recordAuditEvent } from '../audit';
import { ForbiddenError, ValidationError } from '../errors';
import { maskResidentId } from '../identifiers/resident-id';
import { creditCodeSchema, residentIdSchema } from '../identifiers/schemas';
import { maskPersonName, personalDataDigest, sealPersonalData } from '../personal-data';
import { shanghaiDate, shanghaiYear } from '../time';

const bedSchema = Joi.object({
  personName: Joi.string().trim().min(1).max(50).required(),
  idNumber: residentIdSchema.required(),
  address: Joi.string().trim().min(5).max(300).required(),
  acceptedOn: Joi.date().iso().max('now').required(),
});

/**
 * An application as the applicant submits it: the fields every program shares, the beds
 * for programs whose subject is a bed, and the facts the program's definition declares
 * (checked against the definition once the program version is known).
 */
export const submissionSchema = Joi.object({
  programCode: Joi.string()
    .trim()
    .pattern(/^[a-z][a-z0-9-]{1,60}$/)
    .required(),
  applicantType: Joi.string().valid('provider', 'township', 'district').default('provider'),
  organisation: Joi.object({
    creditCode: creditCodeSchema.required(),
    name: Joi.string().trim().min(2).max(200).required(),
  }).required(),
  contactEmail: Joi.string().trim().email({ tlds: false }).required(),
  districtCode: Joi.string().trim().required(),
  townshipCode: Joi.string().trim().required(),
  bankAccount: Joi.object({
    name: Joi.string().trim().min(2).max(200).required(),
    number: Joi.string()
      .trim()
      .pattern(/^\d{8,32}$/)
      .required()
      .messages({
        'string.pattern.base': '{{#label}} must be 8 to 32 digits',
      }),
    bank: Joi.string().trim().min(2).max(200).required(),
  }).required(),
  beds: Joi.array()
    .min(1)
    .max(500)
    .items(bedSchema)
    .unique((a: { idNumber: string }, b: { idNumber: string }) => a.idNumber === b.idNumber)
    .messages({ 'array.unique': 'beds lists the same older person twice ({{#dupePos}} and {{#pos}})' }),
  facts: Joi.object().unknown(true),
}).required();

export interface Submission {
  programCode: string;
  applicantType: ApplicantType;
  organisation: { creditCode: string; name: string };
  contactEmail: string;
  districtCode: string;
  townshipCode: string;
  bankAccount: { name: string; number: string; bank: string };
  beds?: Array<{ personName: string; idNumber: string; address: string; acceptedOn: Date }>;
  facts?: Record<string, unknown>;
}

/**
 * Validates a submission body.
 * @throws ValidationError listing every problem, each with its field path.
 */
export function validateSubmission(body: unknown): Submission {
  const { value, error } = submissionSchema.validate(body, {
    abortEarly: false,
    stripUnknown: false,
    convert: true,
  });
  if (error) {
    throw new ValidationError(
      'The application has problems; correct the fields listed and submit again.',
      error.details.map((d) => ({ field: d.path.join('.'), message: d.message })),
    );
  }
  return value as Submission;
}

export interface SubmissionResult {
  application: Application;
  bedIds: string[];
  /** False when the idempotency key matched an earlier submission. */
  created: boolean;
}

/**
 * Records a new application with its beds (names and identity numbers sealed) and its
 * audit event, in one transaction. A repeated idempotency key returns the first one.
 * @throws ForbiddenError when the applicant submits for another organisation.
 * @throws ValidationError when the township is not in the district.
 */
export async function recordSubmission(
  user: User,
  submission: Submission,
  idempotencyKey: string | null,
): Promise<SubmissionResult> {
  if (idempotencyKey) {
    const earlier = await findByIdempotencyKey(user.id, idempotencyKey);
    if (earlier) return earlier;
  }
  if (user.organisationCreditCode && user.organisationCreditCode !== submission.organisation.creditCode) {
    throw new ForbiddenError(
      'You can apply only for your own organisation (its credit code is on your account).',
      'ORGANISATION_MISMATCH',
    );
  }
  const { version, facts, roundId } = await admitSubmission(submission);
  const { definition } = version;
  const township = await Region.findByPk(submission.townshipCode);
  if (!township || township.level !== 'township' || township.parentCode !== submission.districtCode) {
    throw new ValidationError("The township must be one of the district's townships.", [
      {
        field: 'townshipCode',
        message: `"${submission.townshipCode}" is not a township of "${submission.districtCode}"`,
      },
    ]);
  }

  try {
    return await inTransaction(async (tx) => {
      const [{ seq }] = (await database().query<{ seq: string }>(
        "SELECT nextval('application_reference_seq') AS seq",
        {
          type: QueryTypes.SELECT,
          transaction: tx,
        },
      )) as [{ seq: string }];
      const now = new Date();
      const year = shanghaiYear(now);
      const application = await Application.create(
        {
          id: crypto.randomUUID(),
          reference: `${definition.referencePrefix}-${year}-${seq.padStart(6, '0')}`,
          programCode: submission.programCode,
          programVersionId: version.id,
          roundId,
          applicantType: submission.applicantType,
          facts,
          programYear: year,
          status: roundId ? 'awaiting_round' : 'under_review',
          stage: null,
          applicantUserId: user.id,
          idempotencyKey,
          organisationCreditCode: submission.organisation.creditCode,
          organisationName: submission.organisation.name,
          contactEmail: submission.contactEmail,
          districtCode: submission.districtCode,
          townshipCode: submission.townshipCode,
          bankAccountName: submission.bankAccount.name,
          bankAccountNumber: submission.bankAccount.number,
          bankName: submission.bankAccount.bank,
          awardFen: null,
          awardCalculation: null,
          appropriationId: null,
          submittedAt: now,
          updatedAt: now,
        },
        { transaction: tx },
      );
      const beds = await Bed.bulkCreate(
        (submission.beds ?? []).map((bed, index) => ({
          id: crypto.randomUUID(),
          applicationId: application.id,
          sequence: index + 1,
          personNameSealed: sealPersonalData(bed.personName),
          personNameMasked: maskPersonName(bed.personName),
          idNumberSealed: sealPersonalData(bed.idNumber),
          idNumberDigest: personalDataDigest(bed.idNumber),
          idNumberMasked: maskResidentId(bed.idNumber),
          address: bed.address,
          acceptedOn: shanghaiDate(bed.acceptedOn),
          inspectionResult: null,
          inspectionNote: null,
          inspectedBy: null,
          inspectedAt: null,
        })),
        { transaction: tx },
      );
      await recordAuditEvent(tx, {
        actor: user.id,
        action: 'application.submitted',
        subjectType: 'application',
        subjectId: application.id,
        after: {
          reference: application.reference,
          programCode: application.programCode,
          organisationCreditCode: application.organisationCreditCode,
          districtCode: application.districtCode,
          townshipCode: application.townshipCode,
          programVersion: version.version,
          beds: beds.map((bed) => ({ id: bed.id, sequence: bed.sequence, idNumber: bed.idNumberMasked })),
        },
      });
      // Claimed now so that reviewers see a double payment from the first stage on.
      await claimSubjects(tx, { application, definition, beds });
      await raiseFlags(
        tx,
        application.id,
        await runChecks(tx, { application, definition, beds, onDate: shanghaiDate(now) }),
        user.id,
      );
      return { application, bedIds: beds.map((bed) => bed.id), created: true };
    });
  } catch (error) {
    // Two identical requests at once: the loser of the unique index returns the winner's result.
    if (error instanceof UniqueConstraintError && idempotencyKey) {
      const earlier = await findByIdempotencyKey(user.id, idempotencyKey);
      if (earlier) return earlier;
    }
    throw error;
  }
}

async function findByIdempotencyKey(userId: string, key: string): Promise<SubmissionResult | undefined> {
  const application = await Application.findOne({ where: { applicantUserId: userId, idempotencyKey: key } });
  if (!application) return undefined;
  const beds = await Bed.findAll({ where: { applicationId: application.id }, order: [['sequence', 'ASC']] });
  return { application, bedIds: beds.map((bed) => bed.id), created: false };
}
