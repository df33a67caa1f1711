import { Router } from 'express';
import Joi from 'joi';
import {
  loadCalendar,
  readCalendarYear,
  replaceCalendarYear,
  type CalendarYearInput,
} from '../../calendar/store';
import { parseDay } from '../../calendar';
import { currentUser, requireRole } from '../auth';
import { validate } from '../validation';

/** The working-day calendar, mounted at `/calendar`. */
export const calendarRouter = Router();

const yearParams = Joi.object({ year: Joi.number().integer().min(2000).max(2100).required() });

const workingDaysQuery = Joi.object({
  from: Joi.string()
    .pattern(/^\d{4}-\d{2}-\d{2}$/)
    .required()
    .messages({ 'string.pattern.base': '{{#label}} must be a date written YYYY-MM-DD' }),
  days: Joi.number().integer().min(0).max(366).required(),
});

/**
 * The date `days` working days after `from`. `provisional` says the answer runs through
 * a year known only from its statutory days, before the State Council's notice.
 */
calendarRouter.get('/working-days', async (req, res) => {
  currentUser(req);
  const { from, days } = validate(workingDaysQuery, req.query, 'query') as { from: string; days: number };
  // The pattern passes 2026-02-30; this refuses it, naming the field.
  parseDay(from, 'from');

  const calendar = await loadCalendar();
  const date = calendar.addWorkingDays(from, days);

  let provisional = false;
  for (let year = Number(from.slice(0, 4)); year <= Number(date.slice(0, 4)); year++) {
    provisional ||= calendar.isProvisional(year);
  }
  res.json({ from, days, date, provisional });
});

/** One year's holidays and 调休 days, with the notice they come from. */
calendarRouter.get('/:year', async (req, res) => {
  currentUser(req);
  const { year } = validate(yearParams, req.params, 'params') as { year: number };
  res.json(await readCalendarYear(year));
});

/** Replaces a year, typically a provisional one once its notice is published. Admins only. */
calendarRouter.put('/:year', async (req, res) => {
  const user = requireRole(req, 'admin');
  const { year } = validate(yearParams, req.params, 'params') as { year: number };
  const body = (req.body ?? {}) as Record<string, unknown>;

  // The year comes from the path; replaceCalendarYear validates the rest, field by field.
  const input = { ...body, year } as CalendarYearInput;
  res.json(await replaceCalendarYear(input, user.id));
});
