import Joi from 'joi';
import type { NoticeKind, RegionLevel, Role } from '../../workflows/stages';

/*
 * The stage table of a program definition file: its stages, their decisions and deadlines,
 * as StageTable describes it. definition-schema.ts places it under `stages`. The small field
 * builders both files use are here, so that the two files import in one direction only.
 */

// Records rather than arrays: the compiler then notices when a union in the types grows.
// Experts score in a competitive round; they never decide a stage.
const ROLE_SET: Record<Exclude<Role, 'expert'>, true> = {
  applicant: true,
  township_reviewer: true,
  district_assessor: true,
  district_reviewer: true,
  city_reviewer: true,
  finance_officer: true,
  admin: true,
};
const REGION_LEVEL_SET: Record<RegionLevel, true> = { township: true, district: true, city: true };
const NOTICE_KIND_SET: Record<NoticeKind, true> = {
  acceptance: true,
  documents_requested: true,
  refusal: true,
  award: true,
  payment: true,
};

export const ROLES = Object.keys(ROLE_SET) as Role[];
export const REGION_LEVELS = Object.keys(REGION_LEVEL_SET) as RegionLevel[];

export const SNAKE_CASE_PATTERN = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
/** ISO 8601 durations such as P3D, PT48H or P1DT12H; weeks alone, as the standard allows. */
export const ISO_DURATION_PATTERN =
  /^P(?:(?:\d+Y)?(?:\d+M)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?|\d+W)$/;

/** Text that must be one of the keys of a set. */
export function oneOf(set: Record<string, true>): Joi.StringSchema {
  return Joi.string().valid(...Object.keys(set));
}

/** Text that must match a naming pattern; the message describes the pattern in words. */
export function named(pattern: RegExp, what: string): Joi.StringSchema {
  return Joi.string()
    .pattern(pattern)
    .messages({ 'string.pattern.base': `{{#label}} "{{#value}}" must be ${what}` });
}

export const snakeName = (example: string): Joi.StringSchema =>
  named(SNAKE_CASE_PATTERN, `lowercase words joined by underscores, such as ${example}`);
export const chineseText = (): Joi.StringSchema => Joi.string().min(1);

export const deadline = (): Joi.ObjectSchema =>
  Joi.object({
    workingDays: Joi.number().integer().min(1).label('workingDays'),
    duration: Joi.string().pattern(ISO_DURATION_PATTERN).pattern(/[1-9]/).label('duration').messages({
      'string.pattern.base':
        'duration "{{#value}}" must be an ISO 8601 duration longer than zero, such as PT48H or P3D',
    }),
  }).xor('workingDays', 'duration');

const decisionTarget = Joi.object({
  to: Joi.string().valid('stage', 'applicant', 'refused', 'award', 'round').required(),
  stage: Joi.when('to', { is: 'stage', then: Joi.string().required(), otherwise: Joi.forbidden() }),
}).messages({ 'any.unknown': 'stage is only given when the decision leads to another stage (to: stage)' });

const DECISION_NAME_MESSAGE =
  'the decision name "{{#key}}" must be lowercase words joined by underscores, such as request_documents';

const decision = Joi.object({
  target: decisionTarget.required(),
  reasonsRequired: Joi.boolean().required(),
  notice: oneOf(NOTICE_KIND_SET),
  answerWithin: Joi.when('target.to', {
    is: 'applicant',
    then: deadline(),
    otherwise: Joi.forbidden().messages({
      'any.unknown':
        'answerWithin is only given when the decision returns the application to the applicant (to: applicant)',
    }),
  }),
});

const stage = Joi.object({
  id: snakeName('first_review').required().label('stage id'),
  name: chineseText().required(),
  role: oneOf(ROLE_SET).required(),
  level: oneOf(REGION_LEVEL_SET).required(),
  kind: Joi.string().valid('review', 'inspection').required(),
  decisions: Joi.object()
    .pattern(SNAKE_CASE_PATTERN, decision)
    // Any other name: said as such, rather than as an unknown field.
    .pattern(/./, Joi.forbidden().messages({ 'any.unknown': DECISION_NAME_MESSAGE }))
    .required(),
  sla: deadline(),
  escalation: deadline(),
  escalateTo: Joi.object({ role: oneOf(ROLE_SET).required(), level: oneOf(REGION_LEVEL_SET).required() }),
})
  .with('escalation', 'sla')
  .with('escalateTo', 'escalation');

/** A program's review chain: the first stage's id and every stage. */
export const stageTableSchema = Joi.object({
  first: Joi.string().required(),
  stages: Joi.array().items(stage).required(),
});
