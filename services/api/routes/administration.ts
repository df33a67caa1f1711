import { Router } from 'express';
import Joi from 'joi';
import { Application, Appropriation, Notice } from '../../../db/models';
import { inTransaction } from '../../../db';
import { NotFoundError } from '../../errors';
import { verifyAuditChain, writeAuditAnchor } from '../../audit';
import { readNoticePdf } from '../../notices';
import { fundAppropriation } from '../../money/budget';
import { fenFromColumn, fenToYuanString, parseYuan } from '../../money/amount';
import { findVisibleApplication } from '../../applications/queries';
import { fundsAvailableSignal } from '../../../workflows/application-messages';
import { currentUser, requireRole } from '../auth';
import { signalApplication } from '../workflow-client';
import { validate } from '../validation';

export const administrationRouter = Router();

/** Walks the audit chain and says whether it is intact, and if not, where it breaks. */
administrationRouter.get('/audit/verification', async (req, res) => {
  requireRole(req, 'admin', 'city_reviewer', 'finance_officer');
  res.json(await verifyAuditChain());
});

/** Writes the latest hash outside the database (the anchor file). */
administrationRouter.post('/audit/anchor', async (req, res) => {
  requireRole(req, 'admin');
  res.status(201).json(await writeAuditAnchor());
});

administrationRouter.get('/budget', async (req, res) => {
  requireRole(req, 'admin', 'finance_officer', 'city_reviewer');
  const rows = await Appropriation.findAll({
    order: [
      ['year', 'DESC'],
      ['programCode', 'ASC'],
      ['fundSourceCode', 'ASC'],
    ],
  });
  res.json(
    rows.map((row) => {
      const amount = fenFromColumn(row.amountFen);
      const committed = fenFromColumn(row.committedFen);
      const spent = fenFromColumn(row.spentFen);
      return {
        id: row.id,
        programCode: row.programCode,
        year: row.year,
        fundSourceCode: row.fundSourceCode,
        amount: fenToYuanString(amount),
        committed: fenToYuanString(committed),
        spent: fenToYuanString(spent),
        available: fenToYuanString(amount - committed - spent),
      };
    }),
  );
});

const appropriationBody = Joi.object({
  programCode: Joi.string().required(),
  year: Joi.number().integer().min(2024).max(2100).required(),
  fundSourceCode: Joi.string().required(),
  amount: Joi.string().required().description('yuan with up to two decimals, as a string'),
});

/** Creates or raises an appropriation, then wakes the applications waiting for funds. */
administrationRouter.post('/appropriations', async (req, res) => {
  const user = requireRole(req, 'admin');
  const body = validate(appropriationBody, req.body ?? {}, 'body');
  const amountFen = parseYuan(body.amount);
  const result = await inTransaction((tx) =>
    fundAppropriation(tx, {
      programCode: body.programCode,
      year: body.year,
      fundSourceCode: body.fundSourceCode,
      amountFen,
      actor: user.id,
    }),
  );
  const waiting = await Application.findAll({
    attributes: ['id'],
    where: { status: 'awaiting_funds', programCode: body.programCode, programYear: body.year },
  });
  for (const application of waiting) await signalApplication(application.id, fundsAvailableSignal.name);
  res.status(201).json({ appropriationId: result.appropriationId, wokenApplications: waiting.length });
});

/** The PDF of a notice, for its applicant and for staff who may see the application. */
administrationRouter.get('/notices/:noticeKey/pdf', async (req, res) => {
  const notice = await Notice.findOne({ where: { noticeKey: String(req.params.noticeKey) } });
  if (!notice?.applicationId) throw new NotFoundError('Notice', String(req.params.noticeKey));
  await findVisibleApplication(currentUser(req), notice.applicationId);
  const pdf = await readNoticePdf(notice.noticeKey);
  res.type('application/pdf').attachment(pdf.fileName).send(pdf.content);
});
