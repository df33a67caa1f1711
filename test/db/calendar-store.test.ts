import { AuditEvent, CalendarDay, CalendarYear } from '../../db/models';
import { verifyAuditChain } from '../../services/audit';
import {
  loadCalendar,
  readCalendarYear,
  replaceCalendarYear,
  seedCalendar,
  type CalendarYearInput,
} from '../../services/calendar/store';
import { releaseTestDatabase, useTestDatabase } from '../support/database';

beforeAll(async () => {
  await useTestDatabase();
});
afterAll(releaseTestDatabase);

const ADMIN = 'system:test-admin';

function replacements(year: number): Promise<AuditEvent[]> {
  return AuditEvent.findAll({
    where: { action: 'calendar.year_replaced', subjectId: String(year) },
    order: [['id', 'ASC']],
  });
}

describe('seedCalendar', () => {
  it('loads 2024 to 2027 from holidays.yaml, once', async () => {
    const first = await seedCalendar('system:seed');
    const dayCount = await CalendarDay.count();

    const second = await seedCalendar('system:seed');

    expect(first).toEqual({ loaded: [2024, 2025, 2026, 2027], kept: [] });
    expect(second).toEqual({ loaded: [], kept: [2024, 2025, 2026, 2027] });
    expect(await CalendarDay.count()).toBe(dayCount);
    expect(await replacements(2026)).toHaveLength(1);
    expect((await loadCalendar()).isWorkingDay('2026-02-14')).toBe(true);
  });

  it('replaces a year held provisionally by the notice year in the file', async () => {
    await replaceCalendarYear(
      { year: 2024, source: 'test: a provisional stand-in', provisional: true, days: [] },
      ADMIN,
    );
    expect((await loadCalendar()).isWorkingDay('2024-10-01')).toBe(true);

    const result = await seedCalendar('system:seed');

    expect(result.loaded).toEqual([2024]);
    const year = await readCalendarYear(2024);
    expect(year).toMatchObject({
      provisional: false,
      source: expect.stringContaining('2024年部分节假日安排'),
    });
    expect((await loadCalendar()).isWorkingDay('2024-10-01')).toBe(false);
  });
});

describe('replaceCalendarYear', () => {
  const valid: CalendarYearInput = {
    year: 2026,
    source: 'test',
    provisional: false,
    days: [{ day: '2026-01-01', kind: 'holiday', name: '元旦' }],
  };

  it.each([
    [
      'a day outside the year',
      { ...valid, days: [{ day: '2025-12-31', kind: 'holiday', name: '元旦' }] },
      { field: 'days.0.day', message: '"days[0].day" 2025-12-31 is not in 2026' },
    ],
    [
      'a working weekend on a weekday',
      { ...valid, days: [{ day: '2026-02-16', kind: 'working_weekend', name: '春节调休上班' }] },
      {
        field: 'days.0.day',
        message:
          '"days[0].day" 2026-02-16 is a weekday: only a Saturday or Sunday can be a working weekend day',
      },
    ],
    [
      'the same day twice',
      {
        ...valid,
        days: [
          { day: '2026-01-01', kind: 'holiday', name: '元旦' },
          { day: '2026-01-01', kind: 'holiday', name: '元旦' },
        ],
      },
      { field: 'days.1', message: '"days[1]" repeats 2026-01-01, already at days[0]' },
    ],
    [
      'a date that does not exist',
      { ...valid, days: [{ day: '2026-02-30', kind: 'holiday', name: '春节' }] },
      { field: 'days.0.day', message: '"days[0].day" must be a real date written YYYY-MM-DD' },
    ],
    [
      'an unknown kind of day',
      { ...valid, days: [{ day: '2026-01-01', kind: 'festival', name: '元旦' }] },
      { field: 'days.0.kind', message: '"days[0].kind" must be one of [holiday, working_weekend]' },
    ],
    [
      'no source',
      { ...valid, source: '' },
      { field: 'source', message: '"source" is not allowed to be empty' },
    ],
  ])('refuses %s, saying which field and why', async (_case, input, problem) => {
    const before = await readCalendarYear(2026);

    const attempt = replaceCalendarYear(input as CalendarYearInput, ADMIN);

    await expect(attempt).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: [problem] });
    expect(await readCalendarYear(2026)).toEqual(before);
  });

  it('replaces the provisional 2027 once its notice is out, with an audit event', async () => {
    // Invented days for the test, not the real 2027 notice.
    const notice: CalendarYearInput = {
      year: 2027,
      source: 'test: 国务院办公厅关于2027年部分节假日安排的通知',
      provisional: false,
      days: [
        { day: '2027-02-06', kind: 'holiday', name: '春节' },
        { day: '2027-02-05', kind: 'holiday', name: '春节' },
        { day: '2027-02-20', kind: 'working_weekend', name: '春节调休上班' },
      ],
    };
    expect((await loadCalendar()).isProvisional(2027)).toBe(true);

    const view = await replaceCalendarYear(notice, ADMIN);

    expect(view).toMatchObject({ year: 2027, provisional: false, days: [{ day: '2027-02-05' }, {}, {}] });
    const calendar = await loadCalendar();
    expect(calendar.isProvisional(2027)).toBe(false);
    expect(calendar.isWorkingDay('2027-02-20')).toBe(true);
    // Days of the provisional year that the replacement does not list are gone.
    expect(calendar.isWorkingDay('2027-10-01')).toBe(true);
    expect(await CalendarDay.count({ where: { year: 2027 } })).toBe(3);

    const events = await replacements(2027);
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({
      actor: ADMIN,
      subjectType: 'calendar_year',
      before: { provisional: true },
      after: { provisional: false, source: notice.source },
    });
    expect((await verifyAuditChain()).intact).toBe(true);
  });

  it('is not undone by seeding again: a notice year is never overwritten', async () => {
    const result = await seedCalendar('system:seed');

    expect(result.loaded).toEqual([]);
    expect(await CalendarYear.findByPk(2027)).toMatchObject({ provisional: false });
    expect(await CalendarDay.count({ where: { year: 2027 } })).toBe(3);
  });
});
