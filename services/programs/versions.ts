import crypto from 'node:crypto';
import canonicalize from 'canonicalize';
import { Op } from 'sequelize';
import { inTransaction } from '../../db';
import { Program, ProgramVersion } from '../../db/models';
import { recordAuditEvent } from '../audit';
import { ConflictError, NotFoundError } from '../errors';
import { moduleLogger } from '../logger';
import type { ProgramDefinition } from './definition';
import { loadDefinitionDirectory } from './definition-loader';

/*
 * Program versions: each published definition is a numbered, immutable version with the
 * day it takes effect. New applications take the version in force on the day they are
 * submitted and keep it: publishing or retiring a version never touches one in flight.
 */

const log = moduleLogger('program-versions');

/** SHA-256 of the definition's canonical JSON: the same definition always hashes the same. */
export function definitionDigest(definition: ProgramDefinition): string {
  return crypto
    .createHash('sha256')
    .update(canonicalize(definition) ?? '')
    .digest('hex');
}

export interface PublishInput {
  definition: ProgramDefinition;
  /** The file it came from, or `api`. */
  source: string;
  actor: string;
}

/**
 * Publishes a validated definition as the program's next version, creating the program on
 * its first version and keeping its name and clause up to date. One transaction with its
 * audit event; the program row is locked so that two publications get distinct numbers.
 */
export async function publishVersion(input: PublishInput): Promise<ProgramVersion> {
  const { definition } = input;
  return inTransaction(async (tx) => {
    const [program] = await Program.findOrCreate({
      where: { code: definition.code },
      defaults: {
        code: definition.code,
        name: definition.name,
        policyClause: definition.policyClause,
        process: definition.process,
      },
      transaction: tx,
    });
    await Program.findByPk(program.code, { transaction: tx, lock: tx.LOCK.UPDATE });
    await program.update(
      { name: definition.name, policyClause: definition.policyClause, process: definition.process },
      { transaction: tx },
    );
    const latest = (await ProgramVersion.max('version', {
      where: { programCode: definition.code },
      transaction: tx,
    })) as number | null;
    const version = await ProgramVersion.create(
      {
        programCode: definition.code,
        version: (latest ?? 0) + 1,
        effectiveFrom: definition.effectiveFrom,
        definition,
        definitionSha256: definitionDigest(definition),
        source: input.source,
        status: 'published',
        publishedBy: input.actor,
        publishedAt: new Date(),
        retiredBy: null,
        retiredAt: null,
      },
      { transaction: tx },
    );
    await recordAuditEvent(tx, {
      actor: input.actor,
      action: 'program.version_published',
      subjectType: 'program',
      subjectId: definition.code,
      after: {
        version: version.version,
        effectiveFrom: version.effectiveFrom,
        sha256: version.definitionSha256,
        source: input.source,
      },
    });
    return version;
  });
}

/**
 * Retires a version: no new application takes it; those that pinned it go on under it.
 * @throws NotFoundError for an unknown version; ConflictError when it is already retired.
 */
export async function retireVersion(
  programCode: string,
  versionNumber: number,
  reason: string,
  actor: string,
): Promise<ProgramVersion> {
  return inTransaction(async (tx) => {
    const version = await ProgramVersion.findOne({
      where: { programCode, version: versionNumber },
      transaction: tx,
      lock: tx.LOCK.UPDATE,
    });
    if (!version) throw new NotFoundError('Program version', `${programCode} v${versionNumber}`);
    if (version.status === 'retired') {
      throw new ConflictError(`${programCode} v${versionNumber} is already retired.`, 'VERSION_RETIRED');
    }
    await version.update({ status: 'retired', retiredBy: actor, retiredAt: new Date() }, { transaction: tx });
    await recordAuditEvent(tx, {
      actor,
      action: 'program.version_retired',
      subjectType: 'program',
      subjectId: programCode,
      before: { version: versionNumber, status: 'published' },
      after: { version: versionNumber, status: 'retired', reason },
    });
    return version;
  });
}

export interface PinnedVersion {
  id: number;
  version: number;
  definition: ProgramDefinition;
}

/**
 * The version new applications take on `onDate`: the published one with the latest
 * effective date on or before it (the higher number when two share a date).
 * @throws NotFoundError for an unknown program; ConflictError PROGRAM_NOT_IN_FORCE when none applies.
 */
export async function versionInForce(programCode: string, onDate: string): Promise<PinnedVersion> {
  if (!(await Program.findByPk(programCode))) throw new NotFoundError('Program', programCode);
  const row = await ProgramVersion.findOne({
    where: { programCode, status: 'published', effectiveFrom: { [Op.lte]: onDate } },
    order: [
      ['effectiveFrom', 'DESC'],
      ['version', 'DESC'],
    ],
  });
  if (!row) {
    throw new ConflictError(
      `Program ${programCode} has no published version in force on ${onDate}.`,
      'PROGRAM_NOT_IN_FORCE',
    );
  }
  return { id: row.id, version: row.version, definition: row.definition as ProgramDefinition };
}

// Versions never change once published, so a process may keep them for good.
const pinned = new Map<number, PinnedVersion>();

/** The version an application pinned, by its id. @throws NotFoundError when it does not exist. */
export async function pinnedVersion(versionId: number): Promise<PinnedVersion> {
  const cached = pinned.get(versionId);
  if (cached) return cached;
  const row = await ProgramVersion.findByPk(versionId);
  if (!row) throw new NotFoundError('Program version', String(versionId));
  const version = { id: row.id, version: row.version, definition: row.definition as ProgramDefinition };
  pinned.set(versionId, version);
  return version;
}

/**
 * Publishes each definition file of the repository whose content is not yet a version of
 * its program, so that editing a file and seeding again publishes the edit. Invalid files
 * stop the whole load with every problem listed.
 */
export async function publishRepositoryDefinitions(actor: string): Promise<ProgramVersion[]> {
  const published: ProgramVersion[] = [];
  for (const { file, definition } of loadDefinitionDirectory()) {
    const digest = definitionDigest(definition);
    const known = await ProgramVersion.findOne({
      where: { programCode: definition.code, definitionSha256: digest },
    });
    if (known) continue;
    published.push(await publishVersion({ definition, source: file, actor }));
    log.info({ programCode: definition.code, file }, 'program definition published');
  }
  return published;
}
