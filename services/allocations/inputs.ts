import crypto from 'node:crypto';
import Joi from 'joi';
import type { Transaction } from 'sequelize';
import { database, inTransaction } from '../../db';
import { AllocationImport, AllocationInput } from '../../db/models';
import { DISTRICTS } from '../../db/seed/regions';
import { recordAuditEvent } from '../audit';
import { validateInput } from '../validation';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { isUuid } from '../identifiers/uuid';
import { FIGURE_KEYS, MAX_FIGURE, readFigureFile, type Figures } from './input-file';

export { FigureFileError, MAX_FILE_BYTES, templateCsv, type Figures, type FileProblem } from './input-file';

export const MIN_YEAR = 2024;
export const MAX_YEAR = 2100;
// Two-key advisory lock (namespace, year): an accept and an edit of the same year take turns.
const FIGURES_LOCK_NAMESPACE = 7_020_604;

/*
 * The yearly figures the allocation formula takes, one row per district: numbers of urban and
 * rural communities and of residents aged 60 and over. They arrive as a spreadsheet (CSV or
 * XLSX) that is checked cell by cell and previewed against the figures already recorded; only
 * an accepted preview writes them. A later correction of one district is audited with its reason.
 * Messages are in English, like the rest of the API; district names and headers stay Chinese.
 */

/** One district's row of an import, as previewed: the figures, those recorded before, and the difference. */
export interface ImportRow extends Figures {
  row: number;
  districtCode: string;
  districtName: string;
  current: Figures | null;
  change: Figures | null;
}

export interface ImportView {
  id: string;
  year: number;
  fileName: string;
  sha256: string;
  status: AllocationImport['status'];
  importedBy: string;
  createdAt: Date;
  acceptedAt: Date | null;
  rows: ImportRow[];
  summary: { districts: number; added: number; changed: number; unchanged: number };
}

export interface InputView extends Figures {
  year: number;
  districtCode: string;
  districtName: string;
  importId: string | null;
  synthetic: boolean;
  updatedBy: string;
  updatedAt: Date;
}

/**
 * Checks an uploaded file and, when every cell is sound, stores it as a preview: nothing in the
 * year's figures changes until the preview is accepted.
 * @throws ValidationError listing every problem by row and column, with nothing written;
 *   FigureFileError when the file is not a readable CSV or XLSX.
 */
export async function previewImport(input: {
  year: number;
  fileName: string;
  buffer: Buffer;
  actor: string;
}): Promise<ImportView> {
  const year = checkedYear(input.year);
  const fileName = input.fileName.trim().slice(0, 200) || 'upload';
  const { rows, problems } = await readFigureFile(fileName, input.buffer);
  if (problems.length > 0) {
    const count = problems.length === 1 ? 'a problem' : `${problems.length} problems`;
    throw new ValidationError(
      `${fileName} has ${count}; nothing was imported. Correct the cells listed and upload the file again.`,
      problems,
    );
  }

  return inTransaction(async (tx) => {
    const recorded = await recordedFigures(year, tx);
    const previewed = rows.map((row): ImportRow => {
      const current = recorded.get(row.districtCode) ?? null;
      return { ...row, current: current && figuresOf(current), change: current && difference(current, row) };
    });
    const created = await AllocationImport.create(
      {
        id: crypto.randomUUID(),
        year,
        fileName,
        sha256: crypto.createHash('sha256').update(input.buffer).digest('hex'),
        rows: previewed,
        status: 'previewed',
        importedBy: input.actor,
        createdAt: new Date(),
        acceptedAt: null,
      },
      { transaction: tx },
    );
    await recordAuditEvent(tx, {
      actor: input.actor,
      action: 'allocation_import.previewed',
      subjectType: 'allocation_import',
      subjectId: created.id,
      after: { year, fileName, sha256: created.sha256, districts: previewed.length },
    });
    return describeImport(created);
  });
}

/** The import with its rows as previewed. @throws NotFoundError. */
export async function getImport(importId: string): Promise<ImportView> {
  const found = isUuid(importId) ? await AllocationImport.findByPk(importId) : null;
  if (!found) throw new NotFoundError('Import', importId);
  return describeImport(found);
}

/**
 * Writes the previewed figures as the year's figures, in one transaction with an audit event
 * for each district whose figures change and one for the import.
 * @throws NotFoundError; ConflictError IMPORT_ALREADY_ACCEPTED, IMPORT_DISCARDED, or IMPORT_STALE
 *   when the year's figures changed after the preview was made.
 */
export async function acceptImport(input: { importId: string; actor: string }): Promise<ImportView> {
  return inTransaction(async (tx) => {
    const allocationImport = await lockPreview(input.importId, tx);
    const { year } = allocationImport;
    const rows = allocationImport.rows as ImportRow[];
    const recorded = await recordedFigures(year, tx);
    const stale = rows.filter((row) => !sameFigures(row.current, recorded.get(row.districtCode) ?? null));
    if (stale.length > 0) {
      throw new ConflictError(
        `The ${year} figures of ${stale.map((row) => row.districtName).join('、')} changed after this ` +
          'file was previewed; upload the file again to compare it with the figures recorded now.',
        'IMPORT_STALE',
      );
    }

    const now = new Date();
    const changed: string[] = [];
    for (const row of rows) {
      const figures = figuresOf(row);
      const existing = recorded.get(row.districtCode);
      // Imported figures are real ones: they also replace the demo's synthetic figures.
      const provenance = {
        importId: allocationImport.id,
        synthetic: false,
        updatedBy: input.actor,
        updatedAt: now,
      };
      if (existing) await existing.update({ ...figures, ...provenance }, { transaction: tx });
      else {
        await AllocationInput.create(
          { year, districtCode: row.districtCode, ...figures, ...provenance },
          { transaction: tx },
        );
      }
      if (sameFigures(row.current, figures)) continue;
      changed.push(row.districtCode);
      await recordAuditEvent(tx, {
        actor: input.actor,
        action: 'allocation_input.imported',
        subjectType: 'allocation_input',
        subjectId: `${year}/${row.districtCode}`,
        before: row.current,
        after: { ...figures, importId: allocationImport.id },
      });
    }

    await allocationImport.update({ status: 'accepted', acceptedAt: now }, { transaction: tx });
    await recordAuditEvent(tx, {
      actor: input.actor,
      action: 'allocation_import.accepted',
      subjectType: 'allocation_import',
      subjectId: allocationImport.id,
      before: { status: 'previewed' },
      after: { status: 'accepted', year, sha256: allocationImport.sha256, changedDistricts: changed },
    });
    return describeImport(allocationImport);
  });
}

/**
 * Sets a preview aside; the year's figures stay as they are.
 * @throws NotFoundError; ConflictError IMPORT_ALREADY_ACCEPTED or IMPORT_DISCARDED.
 */
export async function discardImport(input: { importId: string; actor: string }): Promise<ImportView> {
  return inTransaction(async (tx) => {
    const allocationImport = await lockPreview(input.importId, tx);
    await allocationImport.update({ status: 'discarded' }, { transaction: tx });
    await recordAuditEvent(tx, {
      actor: input.actor,
      action: 'allocation_import.discarded',
      subjectType: 'allocation_import',
      subjectId: allocationImport.id,
      before: { status: 'previewed' },
      after: { status: 'discarded' },
    });
    return describeImport(allocationImport);
  });
}

// strict: a figure is a JSON number, not a string that looks like one.
const figureSchema = Joi.number().strict().integer().min(0).max(MAX_FIGURE);
const correctionSchema = Joi.object({
  urbanCommunities: figureSchema,
  ruralCommunities: figureSchema,
  olderResidents: figureSchema,
  reason: Joi.string().trim().min(1).max(2000).required().messages({
    'any.required': 'reason is required: say why the figures change and on what document',
    'string.empty': 'reason is required: say why the figures change and on what document',
  }),
})
  .or(...FIGURE_KEYS)
  .messages({ 'object.missing': 'give at least one of urbanCommunities, ruralCommunities, olderResidents' });

/**
 * Corrects one district's recorded figures, with the reason in the audit event.
 * @throws ValidationError (no reason, bad figures, nothing changed); NotFoundError for an
 *   unknown district; ConflictError INPUTS_NOT_IMPORTED when the year has no figures for it.
 */
export async function editInput(input: {
  year: number;
  districtCode: string;
  /** The figures to change, as received: checked here. */
  changes: Record<string, unknown>;
  reason: unknown;
  actor: string;
}): Promise<InputView> {
  const year = checkedYear(input.year);
  const district = DISTRICTS.find((candidate) => candidate.code === input.districtCode.toLowerCase());
  if (!district) throw new NotFoundError('District', input.districtCode);
  const value = validateInput(correctionSchema, { ...input.changes, reason: input.reason }, 'correction');
  const { reason, ...changes } = value as Partial<Figures> & { reason: string };

  return inTransaction(async (tx) => {
    await lockYear(year, tx);
    const row = await AllocationInput.findOne({
      where: { year, districtCode: district.code },
      lock: tx.LOCK.UPDATE,
      transaction: tx,
    });
    if (!row) {
      throw new ConflictError(
        `There are no ${year} figures for ${district.name} to correct; import the year's file first.`,
        'INPUTS_NOT_IMPORTED',
      );
    }
    const before = figuresOf(row);
    const after = { ...before, ...changes };
    if (sameFigures(before, after)) {
      throw new ValidationError(
        'These are the figures already recorded; nothing was changed.',
        Object.keys(changes).map((field) => ({ field, message: 'is the figure already recorded' })),
      );
    }

    await row.update({ ...after, updatedBy: input.actor, updatedAt: new Date() }, { transaction: tx });
    await recordAuditEvent(tx, {
      actor: input.actor,
      action: 'allocation_input.corrected',
      subjectType: 'allocation_input',
      subjectId: `${year}/${district.code}`,
      before,
      after: { ...after, reason },
    });
    return describeInput(row);
  });
}

/** The year's recorded figures in district order, and the districts that have none yet. */
export async function listInputs(year: number): Promise<{
  year: number;
  complete: boolean;
  inputs: InputView[];
  missing: Array<{ districtCode: string; districtName: string }>;
}> {
  checkedYear(year);
  const recorded = await recordedFigures(year);
  const missing = DISTRICTS.filter((district) => !recorded.has(district.code));

  return {
    year,
    complete: missing.length === 0,
    inputs: DISTRICTS.flatMap((district) => {
      const row = recorded.get(district.code);
      return row ? [describeInput(row)] : [];
    }),
    missing: missing.map((district) => ({ districtCode: district.code, districtName: district.name })),
  };
}

function checkedYear(year: number): number {
  if (!Number.isInteger(year) || year < MIN_YEAR || year > MAX_YEAR) {
    throw new ValidationError(`Give the year of the figures, from ${MIN_YEAR} to ${MAX_YEAR}.`, [
      { field: 'year', message: `must be a whole number from ${MIN_YEAR} to ${MAX_YEAR}` },
    ]);
  }
  return year;
}

async function lockYear(year: number, tx: Transaction): Promise<void> {
  await database().query('SELECT pg_advisory_xact_lock(:namespace, :year)', {
    replacements: { namespace: FIGURES_LOCK_NAMESPACE, year },
    transaction: tx,
  });
}

/** The import, locked with its year, if it is still a preview. */
async function lockPreview(importId: string, tx: Transaction): Promise<AllocationImport> {
  const found = isUuid(importId) ? await AllocationImport.findByPk(importId, { transaction: tx }) : null;
  if (!found) throw new NotFoundError('Import', importId);
  await lockYear(found.year, tx);
  const locked = (await AllocationImport.findByPk(importId, { transaction: tx, lock: tx.LOCK.UPDATE }))!;

  if (locked.status === 'accepted') {
    throw new ConflictError(
      `This import was accepted at ${locked.acceptedAt?.toISOString()}; ` +
        'to change the figures, upload a new file or correct a district.',
      'IMPORT_ALREADY_ACCEPTED',
    );
  }
  if (locked.status === 'discarded') {
    throw new ConflictError('This import was discarded; upload the file again.', 'IMPORT_DISCARDED');
  }
  return locked;
}

async function recordedFigures(year: number, tx?: Transaction): Promise<Map<string, AllocationInput>> {
  const rows = await AllocationInput.findAll({ where: { year }, transaction: tx });
  return new Map(rows.map((row) => [row.districtCode, row]));
}

function figuresOf(source: Figures): Figures {
  return {
    urbanCommunities: source.urbanCommunities,
    ruralCommunities: source.ruralCommunities,
    olderResidents: source.olderResidents,
  };
}

function difference(from: Figures, to: Figures): Figures {
  return {
    urbanCommunities: to.urbanCommunities - from.urbanCommunities,
    ruralCommunities: to.ruralCommunities - from.ruralCommunities,
    olderResidents: to.olderResidents - from.olderResidents,
  };
}

function sameFigures(a: Figures | null, b: Figures | null): boolean {
  if (!a || !b) return a === b;
  return FIGURE_KEYS.every((key) => a[key] === b[key]);
}

function describeImport(allocationImport: AllocationImport): ImportView {
  const rows = allocationImport.rows as ImportRow[];
  const changed = rows.filter((row) => row.current && !sameFigures(row.current, row)).length;
  const added = rows.filter((row) => !row.current).length;
  return {
    id: allocationImport.id,
    year: allocationImport.year,
    fileName: allocationImport.fileName,
    sha256: allocationImport.sha256,
    status: allocationImport.status,
    importedBy: allocationImport.importedBy,
    createdAt: allocationImport.createdAt,
    acceptedAt: allocationImport.acceptedAt,
    rows,
    summary: { districts: rows.length, added, changed, unchanged: rows.length - added - changed },
  };
}

function describeInput(row: AllocationInput): InputView {
  return {
    year: row.year,
    districtCode: row.districtCode,
    districtName: DISTRICTS.find((district) => district.code === row.districtCode)?.name ?? row.districtCode,
    ...figuresOf(row),
    importId: row.importId,
    synthetic: row.synthetic,
    updatedBy: row.updatedBy,
    updatedAt: row.updatedAt,
  };
}
