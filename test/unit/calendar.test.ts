import { ConflictError, ValidationError } from '../../services/errors';
import { isWeekend, WorkingDayCalendar } from '../../services/calendar';
import { readHolidayFile } from '../../services/calendar/store';

// The calendar as shipped: the same file the seed loads.
const years = readHolidayFile();
const calendar = new WorkingDayCalendar(
  years,
  years.flatMap((year) => year.days),
);

describe('holidays.yaml', () => {
  it('holds 2024 to 2027, each with its source, only 2027 provisional', () => {
    expect(years.map(({ year, provisional }) => ({ year, provisional }))).toEqual([
      { year: 2024, provisional: false },
      { year: 2025, provisional: false },
      { year: 2026, provisional: false },
      { year: 2027, provisional: true },
    ]);
    for (const year of years) expect(year.source).toContain(String(year.year));
    expect(years[3]?.source).toContain('全国年节及纪念日放假办法');
  });

  it('puts no working weekend day on a weekday', () => {
    const workingWeekends = years
      .flatMap((year) => year.days)
      .filter((day) => day.kind === 'working_weekend');

    expect(workingWeekends.length).toBeGreaterThan(0);
    for (const { day } of workingWeekends)
      expect({ day, weekend: isWeekend(day) }).toEqual({ day, weekend: true });
  });

  it('names every day, 调休 days after their holiday', () => {
    expect(calendar.exceptionOn('2026-02-16')).toEqual({ day: '2026-02-16', kind: 'holiday', name: '春节' });
    expect(calendar.exceptionOn('2026-02-28')).toEqual({
      day: '2026-02-28',
      kind: 'working_weekend',
      name: '春节调休上班',
    });
  });
});

describe('Spring Festival 2026', () => {
  // February 2026: Thu 12, Fri 13, Sat 14 (调休上班), Sun 15 to Mon 23 春节,
  // Tue 24, Wed 25, Thu 26, Fri 27, Sat 28 (调休上班), Sun 1 March.
  it('counts its 调休 Saturdays as working days and its weekdays as holidays', () => {
    expect(calendar.isWorkingDay('2026-02-14')).toBe(true);
    expect(calendar.isWorkingDay('2026-02-28')).toBe(true);
    expect(calendar.isWorkingDay('2026-02-16')).toBe(false);
    expect(calendar.isWorkingDay('2026-02-23')).toBe(false);
    expect(calendar.isWorkingDay('2026-03-01')).toBe(false);
  });

  it('lands 5 working days after 12 February on 26 February', () => {
    // 13 Fri (1), 14 Sat 调休 (2), 15–23 holiday, 24 (3), 25 (4), 26 (5).
    expect(calendar.addWorkingDays('2026-02-12', 5)).toBe('2026-02-26');
  });

  it('moves a holiday start to the next working day when no days are added', () => {
    expect(calendar.addWorkingDays('2026-02-15', 0)).toBe('2026-02-24');
    expect(calendar.addWorkingDays('2026-02-14', 0)).toBe('2026-02-14');
    expect(calendar.nextWorkingDay('2026-02-14')).toBe('2026-02-24');
  });

  it('counts the working days of the whole month', () => {
    // 20 weekdays in February 2026, less 6 holiday weekdays (16–20, 23), plus 2 调休 Saturdays.
    expect(calendar.workingDaysBetween('2026-01-31', '2026-02-28')).toBe(16);
  });
});

describe('Spring Festival 2025', () => {
  // January 2025: Fri 24, Sat 25, Sun 26 (调休上班), Mon 27, Tue 28 to Tue 4 February 春节,
  // Wed 5, Thu 6, Fri 7, Sat 8 (调休上班), Sun 9, Mon 10.
  it('lands 3 working days after Friday 24 January on 5 February', () => {
    // 26 Sun 调休 (1), 27 Mon (2), 28 Jan – 4 Feb holiday, 5 Feb (3).
    expect(calendar.addWorkingDays('2025-01-24', 3)).toBe('2025-02-05');
  });

  it('counts 7 working days in (24 January, 10 February]', () => {
    // 26, 27 January; 5, 6, 7, 8 (调休), 10 February.
    expect(calendar.workingDaysBetween('2025-01-24', '2025-02-10')).toBe(7);
    expect(calendar.workingDaysBetween('2025-02-10', '2025-01-24')).toBe(-7);
  });
});

describe('National Day 2025', () => {
  // Sun 28 September (调休上班), Mon 29, Tue 30, Wed 1 to Wed 8 October 国庆节、中秋节,
  // Thu 9, Fri 10, Sat 11 (调休上班), Sun 12, Mon 13.
  it('lands 4 working days after Friday 26 September on 9 October', () => {
    // 27 Sat no, 28 Sun 调休 (1), 29 (2), 30 (3), 1–8 holiday, 9 October (4).
    expect(calendar.addWorkingDays('2025-09-26', 4)).toBe('2025-10-09');
    expect(calendar.nextWorkingDay('2025-09-30')).toBe('2025-10-09');
  });

  it('counts 4 working days in (30 September, 13 October]', () => {
    // 9, 10, 11 (调休), 13 October.
    expect(calendar.workingDaysBetween('2025-09-30', '2025-10-13')).toBe(4);
  });
});

describe('National Day 2026', () => {
  // Sun 20 September (调休上班), 25–27 中秋节, Mon 28 to Wed 30, 1–7 October 国庆节,
  // Thu 8, Fri 9, Sat 10 (调休上班), Sun 11, Mon 12.
  it('skips 中秋节 and lands on the 调休 Saturday after National Day', () => {
    // From Thu 24 September: 25–27 holiday, 28 (1), 29 (2), 30 (3).
    expect(calendar.addWorkingDays('2026-09-24', 3)).toBe('2026-09-30');
    // From 30 September: 1–7 holiday, 8 (1), 9 (2), 10 Sat 调休 (3).
    expect(calendar.addWorkingDays('2026-09-30', 3)).toBe('2026-10-10');
  });

  it('counts 12 working days in (18 September, 12 October]', () => {
    // 20 (调休), 21–24, 28–30 September; 8, 9, 10 (调休), 12 October.
    expect(calendar.workingDaysBetween('2026-09-18', '2026-10-12')).toBe(12);
  });

  it('is the inverse of addWorkingDays', () => {
    for (let n = 1; n <= 30; n++) {
      expect(calendar.workingDaysBetween('2026-09-18', calendar.addWorkingDays('2026-09-18', n))).toBe(n);
    }
  });
});

describe('deadlineAfter', () => {
  it('ends working days at midnight in Shanghai after the last of them', () => {
    // 15:00 in Shanghai on 12 February; the 5th working day is 26 February (above).
    const start = new Date('2026-02-12T07:00:00Z');

    const due = calendar.deadlineAfter(start, { workingDays: 5 });

    expect(due.toISOString()).toBe('2026-02-26T16:00:00.000Z');
  });

  it('counts from the date in Shanghai, not in UTC', () => {
    // 01:00 on 13 February in Shanghai: 14 (1), 24, 25, 26, 27 (5); due at the end of the 27th.
    const start = new Date('2026-02-12T17:00:00Z');

    expect(calendar.deadlineAfter(start, { workingDays: 5 }).toISOString()).toBe('2026-02-27T16:00:00.000Z');
  });

  it('adds a duration as clock time, holidays or not', () => {
    const start = new Date('2026-02-12T07:00:00Z');

    expect(calendar.deadlineAfter(start, { duration: 'PT48H' }).toISOString()).toBe(
      '2026-02-14T07:00:00.000Z',
    );
    expect(calendar.deadlineAfter(start, { duration: 'PT3S' }).toISOString()).toBe(
      '2026-02-12T07:00:03.000Z',
    );
  });

  it('refuses a duration that is not ISO 8601', () => {
    expect(() => calendar.deadlineAfter(new Date(), { duration: '48 hours' })).toThrow(ValidationError);
  });
});

describe('a year the calendar does not know', () => {
  it('is refused with CALENDAR_YEAR_MISSING, naming the year to load', () => {
    const attempt = (): boolean => calendar.isWorkingDay('2028-01-03');

    expect(attempt).toThrow(ConflictError);
    expect(attempt).toThrow(/2028/);
    try {
      attempt();
    } catch (error) {
      expect(error).toMatchObject({ status: 409, code: 'CALENDAR_YEAR_MISSING', details: { year: 2028 } });
    }
  });

  it('is refused when counting runs into it rather than guessed', () => {
    expect(() => calendar.addWorkingDays('2027-12-28', 10)).toThrow(/2028/);
    expect(() => new WorkingDayCalendar([], []).deadlineAfter(new Date(), { workingDays: 1 })).toThrow(
      ConflictError,
    );
  });

  it('still adds durations, which need no calendar', () => {
    const empty = new WorkingDayCalendar([], []);

    expect(empty.deadlineAfter(new Date('2030-01-01T00:00:00Z'), { duration: 'P1D' }).toISOString()).toBe(
      '2030-01-02T00:00:00.000Z',
    );
  });
});

describe('malformed dates', () => {
  it('are refused with a validation error', () => {
    expect(() => calendar.isWorkingDay('2026-02-30')).toThrow(ValidationError);
    expect(() => calendar.isWorkingDay('2026-W07')).toThrow(ValidationError);
  });
});
