import express, { Router } from 'express';
import Joi from 'joi';
import { Program, ProgramVersion } from '../../../db/models';
import { NotFoundError, ValidationError } from '../../errors';
import type { ProgramDefinition } from '../../programs/definition';
import { parseDefinition, validateDefinition } from '../../programs/definition-loader';
import { parametersOn } from '../../programs/parameters';
import { publishVersion, retireVersion, versionInForce } from '../../programs/versions';
import { shanghaiDate } from '../../time';
import { currentUser, requireRole } from '../auth';
import { validate } from '../validation';

/*
 * Programs and their versions. Anyone signed in may read them (applicants need to know
 * what a program asks for); only administrators publish and retire versions.
 */
export const programsRouter = Router();

function versionSummary(version: ProgramVersion) {
  return {
    version: version.version,
    effectiveFrom: version.effectiveFrom,
    status: version.status,
    sha256: version.definitionSha256,
    source: version.source,
    publishedBy: version.publishedBy,
    publishedAt: version.publishedAt,
    retiredAt: version.retiredAt,
  };
}

programsRouter.get('/', async (req, res) => {
  currentUser(req);
  const today = shanghaiDate();
  const programs = await Program.findAll({ order: [['code', 'ASC']] });
  res.json(
    await Promise.all(
      programs.map(async (program) => {
        const inForce = await versionInForce(program.code, today).catch(() => null);
        return {
          code: program.code,
          name: program.name,
          policyClause: program.policyClause,
          process: program.process,
          versionInForce: inForce?.version ?? null,
        };
      }),
    ),
  );
});

async function findProgram(code: string): Promise<Program> {
  const program = await Program.findByPk(code);
  if (!program) throw new NotFoundError('Program', code);
  return program;
}

programsRouter.get('/:code', async (req, res) => {
  currentUser(req);
  const program = await findProgram(String(req.params.code));
  const versions = await ProgramVersion.findAll({
    where: { programCode: program.code },
    order: [['version', 'ASC']],
  });
  const inForce = await versionInForce(program.code, shanghaiDate()).catch(() => null);
  res.json({
    code: program.code,
    name: program.name,
    policyClause: program.policyClause,
    process: program.process,
    versionInForce: inForce?.version ?? null,
    versions: versions.map(versionSummary),
  });
});

const versionParams = Joi.object({
  code: Joi.string().required(),
  version: Joi.number().integer().min(1).required(),
});

/** A version whole: stages, rules, formula, caps and each parameter with its dated values. */
programsRouter.get('/:code/versions/:version', async (req, res) => {
  currentUser(req);
  const params = validate(versionParams, req.params, 'params');
  const version = await ProgramVersion.findOne({
    where: { programCode: params.code, version: params.version },
  });
  if (!version) throw new NotFoundError('Program version', `${params.code} v${params.version}`);
  const definition = version.definition as ProgramDefinition;
  res.json({
    ...versionSummary(version),
    programCode: version.programCode,
    parametersInForceToday: parametersOn(definition, shanghaiDate()),
    definition,
  });
});

const yamlBody = express.text({
  type: ['application/yaml', 'application/x-yaml', 'text/yaml'],
  limit: '1mb',
});

/**
 * Publishes a new version: a definition as JSON, or as YAML with a YAML content type. It
 * is validated exactly as a repository file is; every problem comes back with its path.
 */
programsRouter.post('/:code/versions', yamlBody, async (req, res) => {
  const user = requireRole(req, 'admin');
  const code = String(req.params.code);
  const definition =
    typeof req.body === 'string'
      ? parseDefinition(req.body, 'request body')
      : validateDefinition(req.body, 'request body');
  if (definition.code !== code) {
    throw new ValidationError('The definition is for another program.', [
      { field: 'code', message: `"${definition.code}" does not match the program in the path, "${code}"` },
    ]);
  }
  const version = await publishVersion({ definition, source: 'api', actor: user.id });
  res.status(201).json({ programCode: code, ...versionSummary(version) });
});

const retireBody = Joi.object({ reason: Joi.string().trim().min(2).max(1000).required() });

/** Retires a version: new applications no longer take it; those that pinned it are unaffected. */
programsRouter.post('/:code/versions/:version/retire', async (req, res) => {
  const user = requireRole(req, 'admin');
  const params = validate(versionParams, req.params, 'params');
  const body = validate(retireBody, req.body ?? {}, 'body');
  const version = await retireVersion(params.code, params.version, body.reason, user.id);
  res.json({ programCode: params.code, ...versionSummary(version) });
});
