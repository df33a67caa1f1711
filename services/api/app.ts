import crypto from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { MulterError } from 'multer';
import { Notice } from '../../db/models';
import { AppError, NotFoundError, ValidationError } from '../errors';
import { config } from '../config';
import { moduleLogger } from '../logger';
import { tooManyRequests } from './rate-limits';
import { authenticate, describeUser, currentUser, login } from './auth';
import { administrationRouter } from './routes/administration';
import { allocationInputsRouter } from './routes/allocation-inputs';
import { allocationsRouter } from './routes/allocations';
import { applicationsRouter } from './routes/applications';
import { financeRouter } from './routes/finance';
import { calendarRouter } from './routes/calendar';
import { monitoringRouter } from './routes/monitoring';
import { programsRouter } from './routes/programs';
import { roundsRouter } from './routes/rounds';
import { publicRoundsRouter } from './routes/public-rounds';

const log = moduleLogger('api');

/** The HTTP API: JSON in and out, a bearer token per user, one error handler. */
export function createApp(): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    res.locals.requestId = req.get('X-Request-Id') ?? crypto.randomUUID();
    res.set('X-Request-Id', res.locals.requestId as string);
    next();
  });
  app.use(express.json({ limit: '2mb' }));

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // Password guessing is slowed per address; the limit is generous for a shared office.
  app.post(
    '/auth/login',
    rateLimit({
      windowMs: 15 * 60_000,
      limit: config().loginAttemptsPer15Minutes,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      handler: tooManyRequests('Too many sign-in attempts from this address; wait 15 minutes.'),
    }),
    login,
  );

  // Public: anyone holding a notice can check that it is genuine (the QR code leads here).
  app.get('/notices/verify/:noticeKey', async (req, res) => {
    const notice = await Notice.findOne({ where: { noticeKey: String(req.params.noticeKey) } });
    if (!notice) throw new NotFoundError('Notice', String(req.params.noticeKey));
    res.json({
      genuine: true,
      kind: notice.kind,
      fileName: notice.fileName,
      sha256: notice.sha256,
      issuedAt: notice.createdAt,
    });
  });

  // Public: the notice list of a round and the objection route (公示) need no account.
  app.use('/public/rounds', publicRoundsRouter);

  app.use(authenticate);
  app.get('/me', (req, res) => {
    res.json(describeUser(currentUser(req)));
  });
  app.use('/applications', applicationsRouter);
  app.use('/programs', programsRouter);
  app.use('/rounds', roundsRouter);
  app.use('/allocation-inputs', allocationInputsRouter);
  app.use('/allocations', allocationsRouter);
  app.use('/calendar', calendarRouter);
  app.use(monitoringRouter);
  app.use(financeRouter);
  app.use(administrationRouter);

  app.use((req, _res, next) =>
    next(new AppError(404, 'NO_SUCH_ROUTE', `There is no route ${req.method} ${req.path}.`)),
  );
  app.use(errorHandler);
  return app;
}

function errorHandler(error: unknown, req: Request, res: Response, _next: NextFunction): void {
  let appError: AppError | undefined;
  if (error instanceof AppError) appError = error;
  else if (error instanceof MulterError) {
    appError = new ValidationError(`The upload was refused: ${error.message}.`);
  } else if ((error as { type?: string }).type === 'entity.parse.failed') {
    appError = new ValidationError('The request body is not valid JSON.');
  } else if ((error as { type?: string }).type === 'entity.too.large') {
    appError = new AppError(413, 'TOO_LARGE', 'The request body is too large.');
  }
  if (appError) {
    res.status(appError.status).json({ error: appError.toJSON() });
    return;
  }
  const requestId = res.locals.requestId as string;
  log.error({ err: error, requestId, method: req.method, path: req.path }, 'request failed');
  res.status(500).json({
    error: { code: 'INTERNAL', message: `Something went wrong on our side; quote request ${requestId}.` },
  });
}
