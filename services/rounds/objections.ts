import crypto from 'node:crypto';
import Joi from 'joi';
import { inTransaction } from '../../db';
import { Objection, Round } from '../../db/models';
import { recordAuditEvent } from '../audit';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { isUuid } from '../identifiers/uuid';
import { maskPersonName, sealPersonalData } from '../personal-data';
import type { StoredRanking } from './round-steps';

/*
 * Objections from the public during a round's notice period (公示). Anyone may object, without
 * an account, but must give a name and a contact: both are personal data, so they are stored
 * sealed, and only masked copies are ever listed or audited. Resolving one is the round
 * workflow's step; this module records what the reviewer decided.
 */

/** Who files objections in the audit trail: a member of the public, not a user. */
const PUBLIC_ACTOR = 'public:objector';

/** A mainland mobile number, or a landline with its area code (0535-6612345). */
const PHONE = /^(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$/;

const objectionSchema = Joi.object({
  roundId: Joi.string().guid().required(),
  applicationId: Joi.string().guid().required(),
  name: Joi.string().trim().min(2).max(50).required(),
  contact: Joi.alternatives()
    .try(
      Joi.string().trim().pattern(PHONE),
      Joi.string()
        .trim()
        .max(254)
        .email({ tlds: { allow: false } }),
    )
    .required()
    .messages({
      'alternatives.match': '{{#label}} must be a phone number or an e-mail address',
      'alternatives.types': '{{#label}} must be a phone number or an e-mail address',
    }),
  text: Joi.string().trim().min(10).max(2000).required(),
  now: Joi.date().required(),
});

export interface ObjectionInput {
  roundId: string;
  applicationId: string;
  /** The objector's name: required, stored sealed. */
  name: string;
  /** A phone number or an e-mail address: required, stored sealed. */
  contact: string;
  text: string;
  /** When it was received. */
  now: Date;
}

/** An objection as reviewers and the audit trail see it: masked, never the sealed values. */
export interface ObjectionSummary {
  id: string;
  roundId: string;
  applicationId: string;
  objectorNameMasked: string;
  contactMasked: string;
  text: string;
  receivedAt: Date;
  status: Objection['status'];
  resolvedAt: Date | null;
  resolution: string | null;
}

/**
 * Records an objection to a candidate on a round's published list, sealed and masked, with
 * its audit event.
 * @throws ValidationError listing each field with a problem (name 2–50 characters, contact a
 *   phone number or e-mail address, text 10–2000 characters).
 * @throws NotFoundError when there is no such round.
 * @throws ConflictError NOT_IN_PUBLIC_NOTICE when the round is not in its notice period or the
 *   application is not on its published list.
 */
export async function fileObjection(input: ObjectionInput): Promise<{ id: string; receivedAt: Date }> {
  const { value, error } = objectionSchema.validate(input, { abortEarly: false, convert: true });
  if (error) {
    throw new ValidationError(
      'The objection has problems; correct the fields listed.',
      error.details.map((detail) => ({ field: detail.path.join('.'), message: detail.message })),
    );
  }
  const objection = value as ObjectionInput;

  const round = await Round.findByPk(objection.roundId);
  if (!round) throw new NotFoundError('Round', objection.roundId);
  if (round.status !== 'public_notice') {
    throw new ConflictError(
      'Objections are received only while the round is in its public notice period.',
      'NOT_IN_PUBLIC_NOTICE',
    );
  }
  if (!publishedApplicationIds(round.ranking).has(objection.applicationId)) {
    throw new ConflictError(
      `Application ${objection.applicationId} is not on the round's published list.`,
      'NOT_IN_PUBLIC_NOTICE',
    );
  }
  // A candidate promoted after an upheld objection has a period of its own: the first
  // winners' periods may have ended while the round is still in notice for it.
  const periodEnds = noticePeriodEnd(round.ranking, objection.applicationId);
  if (periodEnds && periodEnds.getTime() <= objection.now.getTime()) {
    throw new ConflictError(
      `The public notice period for application ${objection.applicationId} ended at ` +
        `${periodEnds.toISOString()}; objections to it are no longer received.`,
      'NOT_IN_PUBLIC_NOTICE',
    );
  }

  return inTransaction(async (tx) => {
    const row = await Objection.create(
      {
        id: crypto.randomUUID(),
        roundId: round.id,
        applicationId: objection.applicationId,
        objectorNameSealed: sealPersonalData(objection.name),
        objectorNameMasked: maskPersonName(objection.name),
        contactSealed: sealPersonalData(objection.contact),
        contactMasked: maskContact(objection.contact),
        text: objection.text,
        receivedAt: objection.now,
        status: 'pending',
        resolvedBy: null,
        resolvedAt: null,
        resolution: null,
      },
      { transaction: tx },
    );
    await recordAuditEvent(tx, {
      actor: PUBLIC_ACTOR,
      action: 'objection.filed',
      subjectType: 'objection',
      subjectId: row.id,
      after: {
        roundId: row.roundId,
        applicationId: row.applicationId,
        objectorNameMasked: row.objectorNameMasked,
        contactMasked: row.contactMasked,
        status: row.status,
      },
    });
    return { id: row.id, receivedAt: row.receivedAt };
  });
}

/** A round's objections, oldest first, with the objector's name and contact masked. */
export async function listObjections(roundId: string): Promise<ObjectionSummary[]> {
  if (!isUuid(roundId)) return [];
  const rows = await Objection.findAll({ where: { roundId }, order: [['receivedAt', 'ASC']] });
  return rows.map(summary);
}

export interface ObjectionResolutionInput {
  objectionId: string;
  upheld: boolean;
  /** The reviewer's findings: required. */
  resolution: string;
  /** The reviewer's user id, or `system:<component>`. */
  actor: string;
}

/**
 * Records the resolution of a pending objection, upheld or dismissed, with its audit event.
 * Repeating the same resolution returns it unchanged, so that a retried activity succeeds.
 * @throws ValidationError when the resolution is empty.
 * @throws NotFoundError when there is no such objection.
 * @throws ConflictError OBJECTION_RESOLVED when it was already resolved otherwise.
 */
export async function recordObjectionResolution(input: ObjectionResolutionInput): Promise<ObjectionSummary> {
  const resolution = input.resolution.trim();
  if (resolution === '' || resolution.length > 2000) {
    throw new ValidationError('Give the findings that resolve the objection.', [
      { field: 'resolution', message: '"resolution" must be 1–2000 characters' },
    ]);
  }
  const status = input.upheld ? 'upheld' : 'dismissed';

  return inTransaction(async (tx) => {
    const objection = isUuid(input.objectionId)
      ? await Objection.findByPk(input.objectionId, { transaction: tx, lock: tx.LOCK.UPDATE })
      : null;
    if (!objection) throw new NotFoundError('Objection', input.objectionId);
    if (objection.status !== 'pending') {
      if (objection.status === status && objection.resolution === resolution) return summary(objection);
      throw new ConflictError(
        `Objection ${objection.id} was already ${objection.status}; a resolution is recorded once.`,
        'OBJECTION_RESOLVED',
      );
    }

    await objection.update(
      {
        status,
        resolution,
        resolvedAt: new Date(),
        // resolved_by references users: an engine actor is kept in the audit trail only.
        resolvedBy: isUuid(input.actor) ? input.actor : null,
      },
      { transaction: tx },
    );
    await recordAuditEvent(tx, {
      actor: input.actor,
      action: 'objection.resolved',
      subjectType: 'objection',
      subjectId: objection.id,
      before: { status: 'pending' },
      after: { status, roundId: objection.roundId, applicationId: objection.applicationId },
    });
    return summary(objection);
  });
}

/**
 * 13812345678 → 138****5678; zhang.san@example.com → z***@example.com. The domain stays, as
 * it says nothing about the person and helps a reviewer tell objectors apart.
 */
export function maskContact(contact: string): string {
  const value = contact.trim();
  const at = value.lastIndexOf('@');
  if (at > 0) return `${value.slice(0, 1)}***${value.slice(at)}`;
  const digits = value.replace(/\D/g, '');
  if (digits.length <= 7) return '*'.repeat(digits.length);
  return `${digits.slice(0, 3)}${'*'.repeat(digits.length - 7)}${digits.slice(-4)}`;
}

/**
 * The applications on a round's published list: the ranking's entries marked selected. The
 * ranking is jsonb written by the ranking step, so it is read defensively.
 */
function publishedApplicationIds(ranking: unknown): Set<string> {
  const entries = (ranking as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(entries)) return new Set();
  return new Set(
    entries
      .filter((entry): entry is { applicationId: string; selected: true } => entry?.selected === true)
      .map((entry) => entry.applicationId),
  );
}

function noticePeriodEnd(ranking: unknown, applicationId: string): Date | undefined {
  const end = (ranking as StoredRanking | null)?.noticePeriodEnds?.[applicationId];
  return end ? new Date(end) : undefined;
}

function summary(objection: Objection): ObjectionSummary {
  return {
    id: objection.id,
    roundId: objection.roundId,
    applicationId: objection.applicationId,
    objectorNameMasked: objection.objectorNameMasked,
    contactMasked: objection.contactMasked,
    text: objection.text,
    receivedAt: objection.receivedAt,
    status: objection.status,
    resolvedAt: objection.resolvedAt,
    resolution: objection.resolution,
  };
}
