import fs from 'node:fs';
import path from 'node:path';
import Joi from 'joi';
import type { Transaction } from 'sequelize';
import YAML from 'yaml';
import { database, inTransaction } from '../../db';
import { CalendarDay, CalendarYear } from '../../db/models';
import { recordAuditEvent } from '../audit';
import { NotFoundError, ValidationError } from '../errors';
import { moduleLogger } from '../logger';
import { isWeekend, parseDay, WorkingDayCalendar, type CalendarException } from './index';

const log = moduleLogger('calendar');

/** The national holiday calendar shipped with the code, loaded by {@link seedCalendar}. */
export const HOLIDAY_FILE = path.join(__dirname, 'holidays.yaml');

/** One year of the calendar as it is loaded: where it comes from and its exception days. */
export interface CalendarYearInput {
  year: number;
  /** The notice the days are taken from, or why the year is only an estimate. */
  source: string;
  provisional: boolean;
  days: CalendarException[];
}

/** A loaded year, as the API shows it. */
export interface CalendarYearView extends CalendarYearInput {
  loadedAt: Date;
}

/**
 * Checks one day against its entry and its year; joi's ancestors of the day are, in
 * order, its entry, the days array and the year being loaded.
 */
const checkDay: Joi.CustomValidator<string> = (value, helpers) => {
  const entry = helpers.state.ancestors[0] as { kind?: unknown };
  const input = helpers.state.ancestors[2] as { year?: unknown };
  if (!isRealDay(value)) {
    return helpers.message({ custom: '{{#label}} must be a real date written YYYY-MM-DD' });
  }
  if (typeof input.year === 'number' && !value.startsWith(`${input.year}-`)) {
    return helpers.message({ custom: '{{#label}} {{#value}} is not in {{#year}}' }, { year: input.year });
  }
  if (entry.kind === 'working_weekend' && !isWeekend(value)) {
    return helpers.message({
      custom: '{{#label}} {{#value}} is a weekday: only a Saturday or Sunday can be a working weekend day',
    });
  }
  return value;
};

const yearInputSchema = Joi.object<CalendarYearInput>({
  year: Joi.number().integer().min(2000).max(2100).required(),
  source: Joi.string().trim().min(1).max(1000).required(),
  provisional: Joi.boolean().required(),
  days: Joi.array()
    .items(
      Joi.object({
        day: Joi.string().required().custom(checkDay),
        kind: Joi.string().valid('holiday', 'working_weekend').required(),
        name: Joi.string().trim().min(1).max(100).required(),
      }),
    )
    .max(366)
    .unique('day')
    .required()
    .messages({ 'array.unique': '{{#label}} repeats {{#value.day}}, already at days[{{#dupePos}}]' }),
});

/**
 * Checks a year before it is loaded: every day a real date within the year, working
 * weekend days only on Saturday or Sunday, and no day listed twice.
 * @throws ValidationError listing each `{ field, message }`.
 */
export function validateCalendarYear(input: unknown): CalendarYearInput {
  const { value, error } = yearInputSchema.validate(input, { abortEarly: false, convert: true });
  if (error) {
    throw new ValidationError(
      'The calendar year has problems; correct the fields listed.',
      error.details.map((detail) => ({ field: detail.path.join('.'), message: detail.message })),
    );
  }
  return { ...value, days: [...value.days].sort((a, b) => a.day.localeCompare(b.day)) };
}

function isRealDay(value: string): boolean {
  try {
    parseDay(value);
    return true;
  } catch {
    return false;
  }
}

// The file states holidays as ranges, as the notices do; rows are single days.
const fileSchema = Joi.object({
  years: Joi.array()
    .items(
      Joi.object({
        year: Joi.number().integer().required(),
        source: Joi.string().required(),
        provisional: Joi.boolean().required(),
        holidays: Joi.array()
          .items(Joi.object({ name: Joi.string().required(), from: Joi.string(), to: Joi.string() }))
          .required(),
        workingWeekends: Joi.array()
          .items(Joi.object({ name: Joi.string().required(), day: Joi.string().required() }))
          .required(),
      }),
    )
    .required(),
});

interface HolidayFile {
  years: Array<{
    year: number;
    source: string;
    provisional: boolean;
    holidays: Array<{ name: string; from: string; to: string }>;
    workingWeekends: Array<{ name: string; day: string }>;
  }>;
}

/**
 * Reads the holiday file into one validated input per year, holiday ranges expanded to days.
 * @throws Error naming the file when it is malformed or a year fails validation.
 */
export function readHolidayFile(file: string = HOLIDAY_FILE): CalendarYearInput[] {
  const { value, error } = fileSchema.validate(YAML.parse(fs.readFileSync(file, 'utf8')), {
    abortEarly: false,
  });
  if (error) throw new Error(`${file} is malformed: ${error.message}`);

  return (value as HolidayFile).years.map((entry) => {
    const days: CalendarException[] = entry.holidays.flatMap(({ name, from, to }) =>
      daysFrom(from, to).map((day) => ({ day, kind: 'holiday' as const, name })),
    );
    for (const { name, day } of entry.workingWeekends) days.push({ day, kind: 'working_weekend', name });
    try {
      const { year, source, provisional } = entry;
      return validateCalendarYear({ year, source, provisional, days });
    } catch (problem) {
      const details = problem instanceof ValidationError ? JSON.stringify(problem.details) : String(problem);
      throw new Error(`${file}: year ${entry.year} is invalid: ${details}`);
    }
  });
}

function daysFrom(from: string, to: string): string[] {
  const last = parseDay(to, 'to');
  const days: string[] = [];
  for (let day = parseDay(from, 'from'); day.toMillis() <= last.toMillis(); day = day.plus({ days: 1 })) {
    days.push(day.toISODate() as string);
  }
  if (days.length === 0) throw new Error(`The holiday range ${from} to ${to} ends before it starts`);
  return days;
}

// Loading is cheap but happens for every deadline; the cache is checked against each
// year's loadedAt, so a year replaced by another process is seen on the next call.
let cached: { fingerprint: string; calendar: WorkingDayCalendar } | undefined;

/**
 * The working-day calendar of every loaded year. Reads only the year list when nothing
 * has changed since the last call.
 */
export async function loadCalendar(): Promise<WorkingDayCalendar> {
  const years = await CalendarYear.findAll({ order: [['year', 'ASC']] });
  const fingerprint = years
    .map((year) => `${year.year}:${year.provisional}:${year.loadedAt.toISOString()}`)
    .join(',');
  if (cached?.fingerprint === fingerprint) return cached.calendar;

  const days = await CalendarDay.findAll();
  const calendar = new WorkingDayCalendar(
    years.map(({ year, provisional }) => ({ year, provisional })),
    days.map(({ day, kind, name }) => ({ day, kind, name })),
  );
  cached = { fingerprint, calendar };
  return calendar;
}

/** One loaded year with its days. @throws NotFoundError when the year is not loaded. */
export async function readCalendarYear(year: number): Promise<CalendarYearView> {
  const row = await CalendarYear.findByPk(year);
  if (!row) throw new NotFoundError('Calendar year', String(year));
  return { ...describeYear(row), days: await daysOf(year) };
}

/**
 * Replaces one year's exception days and source in one transaction, with the audit
 * event `calendar.year_replaced`.
 * @throws ValidationError listing each `{ field, message }` when the input is invalid.
 */
export async function replaceCalendarYear(
  input: CalendarYearInput,
  actor: string,
): Promise<CalendarYearView> {
  const valid = validateCalendarYear(input);
  const view = await inTransaction(async (tx) => {
    await lockCalendar(tx);
    return writeYear(tx, valid, actor);
  });
  cached = undefined;
  log.info({ year: valid.year, provisional: valid.provisional }, 'calendar year replaced');
  return view;
}

/**
 * Loads holidays.yaml: each year not yet in the database, and each year loaded only
 * provisionally that the file now has from its notice. A year loaded from a notice is
 * never overwritten, so running it again changes nothing.
 */
export async function seedCalendar(actor: string): Promise<{ loaded: number[]; kept: number[] }> {
  const loaded: number[] = [];
  const kept: number[] = [];
  for (const input of readHolidayFile()) {
    const written = await inTransaction(async (tx) => {
      await lockCalendar(tx);
      const existing = await CalendarYear.findByPk(input.year, { transaction: tx });
      const replaceable = !existing || (existing.provisional && !input.provisional);
      if (replaceable) await writeYear(tx, input, actor);
      return replaceable;
    });
    (written ? loaded : kept).push(input.year);
  }

  if (loaded.length > 0) cached = undefined;
  log.info({ loaded, kept }, 'calendar seeded');
  return { loaded, kept };
}

// Seeding and replacing decide on what is loaded, then write: one at a time.
const CALENDAR_LOCK_KEY = 7_020_242;

async function lockCalendar(tx: Transaction): Promise<void> {
  await database().query('SELECT pg_advisory_xact_lock(:key)', {
    replacements: { key: CALENDAR_LOCK_KEY },
    transaction: tx,
  });
}

async function writeYear(
  tx: Transaction,
  input: CalendarYearInput,
  actor: string,
): Promise<CalendarYearView> {
  const existing = await CalendarYear.findByPk(input.year, { transaction: tx });
  const before = existing ? { ...describeYear(existing), days: await daysOf(input.year, tx) } : null;

  // Days first: they reference the year row.
  await CalendarDay.destroy({ where: { year: input.year }, transaction: tx });
  const loadedAt = new Date();
  await CalendarYear.upsert(
    { year: input.year, source: input.source, provisional: input.provisional, loadedAt },
    { transaction: tx },
  );
  await CalendarDay.bulkCreate(
    input.days.map((day) => ({ ...day, year: input.year })),
    { transaction: tx },
  );

  const after = { year: input.year, source: input.source, provisional: input.provisional, days: input.days };
  await recordAuditEvent(tx, {
    actor,
    action: 'calendar.year_replaced',
    subjectType: 'calendar_year',
    subjectId: String(input.year),
    before,
    after,
  });
  return { ...after, loadedAt };
}

function describeYear(row: CalendarYear): Omit<CalendarYearView, 'days'> {
  return { year: row.year, source: row.source, provisional: row.provisional, loadedAt: row.loadedAt };
}

async function daysOf(year: number, transaction?: Transaction): Promise<CalendarException[]> {
  const rows = await CalendarDay.findAll({ where: { year }, order: [['day', 'ASC']], transaction });
  return rows.map(({ day, kind, name }) => ({ day, kind, name }));
}
