import { DateTime, Duration } from 'luxon';
import type { Deadline } from '../../workflows/stages';
import { ConflictError, ValidationError } from '../errors';
import { shanghaiDate, TIME_ZONE } from '../time';

/*
 * The working-day calendar: pure arithmetic over the exception days of the years it
 * knows. Loading those days from the database is services/calendar/store.ts's job.
 */

/** `holiday` closes a day; `working_weekend` (调休上班) opens a Saturday or Sunday. */
export type CalendarDayKind = 'holiday' | 'working_weekend';

/** One exception to the Monday-to-Friday rule. `day` is YYYY-MM-DD. */
export interface CalendarException {
  day: string;
  kind: CalendarDayKind;
  name: string;
}

/** A year the calendar covers, and whether its days are only an estimate. */
export interface CalendarYearSummary {
  year: number;
  provisional: boolean;
}

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const SATURDAY = 6;
const SUNDAY = 7;

/**
 * Reads a YYYY-MM-DD string as a calendar day, for day arithmetic. It is held in UTC only
 * because a fixed zone is the fastest to step through; it is not an instant in Shanghai.
 * @throws ValidationError when the string is not a real date in that form.
 */
export function parseDay(value: string, field = 'date'): DateTime {
  const parsed = DAY_PATTERN.test(value) ? DateTime.fromISO(value, { zone: 'utc' }) : undefined;
  if (!parsed?.isValid) {
    throw new ValidationError(`"${value}" is not a calendar date; write it as YYYY-MM-DD.`, [
      { field, message: 'must be a real date written YYYY-MM-DD' },
    ]);
  }
  return parsed;
}

/** Whether a YYYY-MM-DD date is a Saturday or a Sunday. @throws ValidationError on a malformed date. */
export function isWeekend(day: string): boolean {
  const { weekday } = parseDay(day);
  return weekday === SATURDAY || weekday === SUNDAY;
}

/**
 * Which days are working days in the years it was built with. Every question about a
 * day outside those years is refused rather than answered by the weekday rule alone,
 * because a guess would silently move deadlines across unknown holidays.
 */
export class WorkingDayCalendar {
  private readonly exceptions = new Map<string, CalendarException>();
  private readonly years = new Map<number, CalendarYearSummary>();

  constructor(years: readonly CalendarYearSummary[], days: readonly CalendarException[]) {
    for (const year of years) this.years.set(year.year, { ...year });
    for (const day of days) this.exceptions.set(day.day, { ...day });
  }

  /** The years this calendar can answer for, in order. */
  knownYears(): CalendarYearSummary[] {
    return [...this.years.values()].sort((a, b) => a.year - b.year);
  }

  /** Whether `year` is loaded only from the statutory days, awaiting its State Council notice. */
  isProvisional(year: number): boolean {
    return this.requireYear(year).provisional;
  }

  /** The holiday or 调休 entry for a date, if it has one. @throws as {@link isWorkingDay}. */
  exceptionOn(date: string): CalendarException | undefined {
    this.requireYear(parseDay(date).year);
    return this.exceptions.get(date);
  }

  /**
   * Whether people work on `date`: Monday to Friday unless a holiday, and Saturday or
   * Sunday only when it is a 调休上班 day.
   * @throws ValidationError when `date` is not YYYY-MM-DD.
   * @throws ConflictError `CALENDAR_YEAR_MISSING` when the date's year is not loaded.
   */
  isWorkingDay(date: string): boolean {
    const day = parseDay(date);
    this.requireYear(day.year);
    const exception = this.exceptions.get(date);
    if (exception) return exception.kind === 'working_weekend';
    return day.weekday !== SATURDAY && day.weekday !== SUNDAY;
  }

  /** The first working day strictly after `date`. @throws as {@link isWorkingDay}. */
  nextWorkingDay(date: string): string {
    let day = parseDay(date);
    do {
      day = day.plus({ days: 1 });
    } while (!this.isWorkingDay(isoDay(day)));
    return isoDay(day);
  }

  /**
   * The date `n` working days after `from`, not counting `from` itself. With `n` = 0:
   * `from` when it is a working day, else the next working day.
   * @throws RangeError when `n` is not a whole number of at least 0.
   * @throws ConflictError `CALENDAR_YEAR_MISSING` when the count runs into a year not loaded.
   */
  addWorkingDays(from: string, n: number): string {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`addWorkingDays needs a whole n >= 0, not ${n}`);
    if (n === 0) return this.isWorkingDay(from) ? from : this.nextWorkingDay(from);

    let day = from;
    for (let counted = 0; counted < n; counted++) day = this.nextWorkingDay(day);
    return day;
  }

  /**
   * How many working days lie in (from, to]: `from` excluded, `to` included, so that
   * `workingDaysBetween(d, addWorkingDays(d, n))` is `n` for n >= 1. Negative when
   * `to` comes before `from`.
   * @throws as {@link isWorkingDay}, for any day in the span.
   */
  workingDaysBetween(from: string, to: string): number {
    const start = parseDay(from, 'from');
    const end = parseDay(to, 'to');
    if (end.toMillis() < start.toMillis()) return -this.workingDaysBetween(to, from);

    let count = 0;
    for (let day = start.plus({ days: 1 }); day.toMillis() <= end.toMillis(); day = day.plus({ days: 1 })) {
      if (this.isWorkingDay(isoDay(day))) count++;
    }
    return count;
  }

  /**
   * The instant a deadline falls due when its clock starts at `start`. Working days run
   * to the end of the nth working day after start's date in Shanghai, that is 00:00
   * Asia/Shanghai of the next calendar day; a duration is added to `start` as clock time.
   * @throws ValidationError when the duration is not a non-negative ISO 8601 duration.
   * @throws ConflictError `CALENDAR_YEAR_MISSING` when working days run into a year not loaded.
   */
  deadlineAfter(start: Date, deadline: Deadline): Date {
    if ('workingDays' in deadline) {
      const lastDay = this.addWorkingDays(shanghaiDate(start), deadline.workingDays);
      return DateTime.fromISO(lastDay, { zone: TIME_ZONE }).plus({ days: 1 }).toJSDate();
    }

    const duration = Duration.fromISO(deadline.duration);
    if (!duration.isValid || duration.toMillis() < 0) {
      throw new ValidationError(`"${deadline.duration}" is not an ISO 8601 duration such as PT48H.`, [
        { field: 'duration', message: 'must be a non-negative ISO 8601 duration' },
      ]);
    }
    // Added in Shanghai so that calendar units (P1D, P1M) follow Yantai's dates.
    return DateTime.fromJSDate(start, { zone: TIME_ZONE }).plus(duration).toJSDate();
  }

  private requireYear(year: number): CalendarYearSummary {
    const known = this.years.get(year);
    if (!known) {
      throw new ConflictError(
        `The working-day calendar has no days for ${year}; load the State Council's holiday ` +
          `notice for ${year} (PUT /calendar/${year}) before counting working days in it.`,
        'CALENDAR_YEAR_MISSING',
        { year },
      );
    }
    return known;
  }
}

function isoDay(day: DateTime): string {
  return day.toISODate() as string;
}
