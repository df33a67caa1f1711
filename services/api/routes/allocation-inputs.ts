import { Router, type RequestHandler } from 'express';
import multer from 'multer';
import type { Role } from '../../../db/models';
import {
  acceptImport,
  discardImport,
  editInput,
  getImport,
  listInputs,
  MAX_FILE_BYTES,
  previewImport,
  templateCsv,
} from '../../allocations/inputs';
import { ValidationError } from '../../errors';
import { requireRole } from '../auth';

/*
 * The yearly figures of the districts for the allocation by formula (因素法分配): the template,
 * imports (preview, then accept or discard), the year's figures and single corrections.
 * The city changes them; any staff member may read them.
 */

const EDITORS: Role[] = ['city_reviewer', 'admin'];
const STAFF: Role[] = [
  'township_reviewer',
  'district_assessor',
  'district_reviewer',
  'city_reviewer',
  'finance_officer',
  'admin',
];

// utf8 for part parameters, so that a file named 2026年因素数据.xlsx keeps its name.
const upload = multer({
  storage: multer.memoryStorage(),
  limits: { fileSize: MAX_FILE_BYTES, files: 1 },
  defParamCharset: 'utf8',
});

// The role is checked before the upload is read, so a refused caller's file is never parsed.
const editorsOnly: RequestHandler = (req, _res, next) => {
  requireRole(req, ...EDITORS);
  next();
};

export const allocationInputsRouter = Router();

allocationInputsRouter.get('/template.csv', (req, res) => {
  requireRole(req, ...STAFF);
  res.type('text/csv').attachment('allocation-inputs-template.csv').send(templateCsv());
});

/** Checks the uploaded file and answers the preview; nothing changes until it is accepted. */
allocationInputsRouter.post('/imports', editorsOnly, upload.single('file'), async (req, res) => {
  const user = requireRole(req, ...EDITORS);
  if (!req.file) {
    throw new ValidationError('Attach the figures (.xlsx or .csv) as the multipart field "file".', [
      { field: 'file', message: 'is required' },
    ]);
  }
  const preview = await previewImport({
    year: Number((req.body as { year?: unknown } | undefined)?.year ?? Number.NaN),
    fileName: req.file.originalname,
    buffer: req.file.buffer,
    actor: user.id,
  });
  res.status(201).json(preview);
});

allocationInputsRouter.get('/imports/:id', async (req, res) => {
  requireRole(req, ...STAFF);
  res.json(await getImport(String(req.params.id)));
});

allocationInputsRouter.post('/imports/:id/accept', async (req, res) => {
  const user = requireRole(req, ...EDITORS);
  res.json(await acceptImport({ importId: String(req.params.id), actor: user.id }));
});

allocationInputsRouter.post('/imports/:id/discard', async (req, res) => {
  const user = requireRole(req, ...EDITORS);
  res.json(await discardImport({ importId: String(req.params.id), actor: user.id }));
});

allocationInputsRouter.get('/:year', async (req, res) => {
  requireRole(req, ...STAFF);
  res.json(await listInputs(Number(req.params.year)));
});

/** Corrects one district's figures; the body holds the changed figures and the reason. */
allocationInputsRouter.patch('/:year/:districtCode', async (req, res) => {
  const user = requireRole(req, ...EDITORS);
  const { reason, ...changes } = (req.body ?? {}) as Record<string, unknown>;
  const row = await editInput({
    year: Number(req.params.year),
    districtCode: String(req.params.districtCode),
    changes,
    reason,
    actor: user.id,
  });
  res.json(row);
});
