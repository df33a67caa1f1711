import { Router } from 'express';
import Joi from 'joi';
import { creditCodeSchema } from '../../identifiers/schemas';
import {
  addToBlacklist,
  describeBlacklistEntry,
  importLongTermCareCoverage,
  isCalendarDate,
  liftBlacklistEntry,
  listBlacklistEntries,
  MAX_COVERAGE_ROWS,
  type CoverageRow,
} from '../../programs/checks';
import { requireRole } from '../auth';
import { validate } from '../validation';

/** Monitoring (监管): the blacklist and the long-term care insurance coverage the checks read. */
export const monitoringRouter = Router();

const day = Joi.string().custom((value: string, helpers) =>
  isCalendarDate(value) ? value : helpers.message({ custom: '{{#label}} must be a date as YYYY-MM-DD' }),
);

const blacklistQuery = Joi.object({
  creditCode: creditCodeSchema,
  activeOn: day,
});

monitoringRouter.get('/blacklist', async (req, res) => {
  requireRole(req, 'admin', 'city_reviewer', 'district_reviewer');
  const query = validate(blacklistQuery, req.query, 'query') as { creditCode?: string; activeOn?: string };
  const entries = await listBlacklistEntries(query);
  res.json(entries.map(describeBlacklistEntry));
});

const blacklistBody = Joi.object({
  creditCode: creditCodeSchema.required(),
  organisationName: Joi.string().trim().min(2).max(200).required(),
  programCode: Joi.string().trim().allow(null).default(null),
  reason: Joi.string().trim().min(2).max(2000).required(),
  listedFrom: day.required(),
  listedUntil: day.allow(null).default(null),
});

/** Bars an organisation from one program, or from all when programCode is null. */
monitoringRouter.post('/blacklist', async (req, res) => {
  const user = requireRole(req, 'admin', 'city_reviewer');
  const body = validate(blacklistBody, req.body ?? {}, 'body');
  const entry = await addToBlacklist(body, user.id);
  res.status(201).json(describeBlacklistEntry(entry));
});

const liftParams = Joi.object({ id: Joi.string().guid().required() });
const liftBody = Joi.object({ reason: Joi.string().trim().min(2).max(2000).required() });

monitoringRouter.post('/blacklist/:id/lift', async (req, res) => {
  const user = requireRole(req, 'admin', 'city_reviewer');
  const { id } = validate(liftParams, req.params, 'params') as { id: string };
  const { reason } = validate(liftBody, req.body ?? {}, 'body') as { reason: string };
  const entry = await liftBlacklistEntry(id, reason, user.id);
  res.json(describeBlacklistEntry(entry));
});

// Only the envelope here: the service checks each row, so that problems name `rows[3].idNumber`.
const coverageBody = Joi.object({
  rows: Joi.array().items(Joi.any()).min(1).max(MAX_COVERAGE_ROWS).required(),
});

/** The insurer's coverage rows, all or none; identity numbers are kept only as digests. */
monitoringRouter.post('/long-term-care/coverage', async (req, res) => {
  const user = requireRole(req, 'admin');
  const { rows } = validate(coverageBody, req.body ?? {}, 'body') as { rows: CoverageRow[] };
  const result = await importLongTermCareCoverage(rows, user.id);
  res.status(201).json(result);
});
