import Joi from 'joi';
import type {
  CompetitionDefinition,
  ApplicantType,
  DocumentRequirement,
  FactDefinition,
  ParameterDefinition,
  ProgramDefinition,
  ProgramProcess,
  SubjectDefinition,
} from './definition';
import { chineseText, deadline, named, oneOf, snakeName, stageTableSchema } from './definition-stage-schema';

export { ISO_DURATION_PATTERN, REGION_LEVELS, ROLES, SNAKE_CASE_PATTERN } from './definition-stage-schema';

/*
 * The shape of a program definition file (services/programs/definitions/*.yaml), exactly as
 * ProgramDefinition describes it: unknown fields are refused, nothing is converted. The stage
 * table's part is in definition-stage-schema.ts. Checks that need more than one field at a
 * time (references, dates in order, expressions) are in definition-checks.ts. Messages are
 * written for the bureau's administrator who edits the file.
 */

// Records rather than arrays: the compiler then notices when a union in the types grows.
const APPLICANT_TYPE_SET: Record<ApplicantType, true> = { provider: true, township: true, district: true };
const PROCESS_SET: Record<ProgramProcess, true> = {
  staged_review: true,
  competitive_round: true,
  allocation: true,
};
const SUBJECT_KIND_SET: Record<SubjectDefinition['kind'], true> = {
  bed: true,
  facility: true,
  organisation: true,
  region: true,
};
const FACT_TYPE_SET: Record<FactDefinition['type'], true> = {
  integer: true,
  number: true,
  boolean: true,
  text: true,
  choice: true,
  date: true,
};
const UNIT_SET: Record<ParameterDefinition['unit'], true> = {
  fen: true,
  count: true,
  ratio: true,
  months: true,
  days: true,
  text: true,
  boolean: true,
};
const DOCUMENT_PER_SET: Record<DocumentRequirement['per'], true> = { application: true, subject: true };

export const PROGRAM_CODE_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
export const CAMEL_CASE_PATTERN = /^[a-z][a-z0-9]*([A-Z][a-z0-9]*)*$/;
export const REFERENCE_PREFIX_PATTERN = /^[A-Z]{2,6}$/;
export const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
export const MONTH_DAY_PATTERN = /^\d{2}-\d{2}$/;
/** A section, a sub-section in brackets and an item, as the policy numbers them: 二(四)4. */
export const POLICY_CLAUSE_PATTERN = /^[一二三四五六七八九十]+(\([一二三四五六七八九十]+\)(\d+)?)?$/;

/** Messages for every field; the label is the field's name unless a field sets its own. */
const MESSAGES: Record<string, string> = {
  'any.required': '{{#label}} is required',
  'any.unknown': '{{#label}} is not allowed here',
  'any.only': '{{#label}} must be one of: {{#valids}}',
  'object.unknown': 'unknown field "{{#key}}": check its spelling or remove it',
  'object.base': '{{#label}} must be a set of named fields',
  'object.with': '{{#mainWithLabel}} needs {{#peerWithLabel}} beside it',
  'object.xor': '{{#label}} must give only one of: {{#peersWithLabels}}',
  'object.missing': '{{#label}} must give one of: {{#peersWithLabels}}',
  'object.pattern.match':
    'the name "{{#key}}" must be lowercase words joined by underscores, such as approve',
  'string.base': '{{#label}} must be text',
  'string.empty': '{{#label}} must not be empty',
  'number.base': '{{#label}} must be a number',
  'number.integer': '{{#label}} must be a whole number',
  'number.min': '{{#label}} must be at least {{#limit}}',
  'number.max': '{{#label}} must be at most {{#limit}}',
  'number.infinity': '{{#label}} must be a finite number',
  'boolean.base': '{{#label}} must be true or false',
  'array.base': '{{#label}} must be a list',
  'array.min': '{{#label}} must list at least {{#limit}}',
  'array.unique': '{{#label}} lists the same value twice',
  'alternatives.types': '{{#label}} must be a number, text, or true/false',
};

const camelName = (example: string): Joi.StringSchema =>
  named(CAMEL_CASE_PATTERN, `a camelCase name, such as ${example}`);
const kebabName = (example: string): Joi.StringSchema =>
  named(PROGRAM_CODE_PATTERN, `lowercase words joined by hyphens, such as ${example}`);
const policyClause = (): Joi.StringSchema =>
  Joi.string().pattern(POLICY_CLAUSE_PATTERN).messages({
    'string.pattern.base': '{{#label}} "{{#value}}" must name a clause of the policy, such as 二(四)4',
  });

const DATE_MESSAGE = '{{#label}} must be a date written as YYYY-MM-DD, such as 2024-01-01';

/** A calendar date as text. YAML 1.1 tools may turn unquoted dates into Date objects: refused. */
const date = (): Joi.StringSchema =>
  Joi.string()
    .pattern(DATE_PATTERN)
    .custom((value: string, helpers) => (isCalendarDate(value) ? value : helpers.error('any.invalid')))
    .messages({
      'string.base': `${DATE_MESSAGE}, in quotes if your editor turns it into a date`,
      'string.pattern.base': DATE_MESSAGE,
      'any.invalid': '{{#label}} "{{#value}}" is not a date in the calendar',
    });

/** An MM-DD day of the year; 02-29 is refused, since the window repeats in common years. */
const monthDay = (): Joi.StringSchema =>
  Joi.string()
    .pattern(MONTH_DAY_PATTERN)
    .custom((value: string, helpers) =>
      value !== '02-29' && isCalendarDate(`2023-${value}`) ? value : helpers.error('any.invalid'),
    )
    .messages({
      'string.pattern.base': '{{#label}} must be a day of the year written as MM-DD, such as 03-31',
      'any.invalid': '{{#label}} "{{#value}}" is not a day that every year has',
    });

export function isCalendarDate(text: string): boolean {
  if (!DATE_PATTERN.test(text)) return false;
  const parsed = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === text;
}

// Bounds and choices belong to some fact types; with an unknown type only the type is reported.
const NUMERIC_FACT_TYPES = ['integer', 'number'];
const forFactTypes = (types: string[], schema: Joi.Schema): Joi.AlternativesSchema =>
  Joi.when('type', {
    switch: [
      { is: Joi.valid(...types), then: schema },
      {
        is: Joi.valid(...Object.keys(FACT_TYPE_SET)),
        then: Joi.forbidden().messages({
          'any.unknown': `{{#label}} is only for facts of type ${types.join(' or ')}`,
        }),
      },
    ],
    otherwise: Joi.any(),
  });

const fact = Joi.object({
  name: camelName('operatingMonths').required().label('fact name'),
  label: chineseText().required(),
  type: oneOf(FACT_TYPE_SET).required(),
  required: Joi.boolean().required(),
  min: forFactTypes(NUMERIC_FACT_TYPES, Joi.number()),
  max: forFactTypes(NUMERIC_FACT_TYPES, Joi.number()),
  choices: forFactTypes(
    ['choice'],
    Joi.array()
      .items(snakeName('elder_canteen'))
      .min(1)
      .unique()
      .required()
      .messages({ 'any.required': 'a fact of type choice must list its choices' }),
  ),
  // How each choice is printed on notices, in Chinese; a choice without one is printed as is.
  choiceLabels: forFactTypes(['choice'], Joi.object().pattern(Joi.string(), chineseText().max(30))),
}).custom((value: { choices?: string[]; choiceLabels?: Record<string, string> }, helpers) => {
  const unknown = Object.keys(value.choiceLabels ?? {}).filter((key) => !(value.choices ?? []).includes(key));
  return unknown.length === 0
    ? value
    : helpers.message({ custom: `choiceLabels names choices the fact does not list: ${unknown.join(', ')}` });
});

const parameterPeriod = Joi.object({
  from: date().required(),
  to: date().allow(null).required(),
  value: Joi.alternatives().try(Joi.number(), Joi.string(), Joi.boolean()).required(),
});

const parameter = Joi.object({
  name: snakeName('reward_per_bed_fen').required().label('parameter name'),
  description: chineseText().required(),
  // Printed in a table column on award notices, where a long sentence wraps badly.
  label: chineseText().max(30).messages({
    'string.max': '{{#label}} must be at most {{#limit}} characters: it is printed in a table on notices',
  }),
  policyClause: policyClause().required(),
  unit: oneOf(UNIT_SET).required(),
  example: Joi.boolean().required(),
  values: Joi.array().items(parameterPeriod).min(1).required(),
});

const rule = Joi.object({
  id: snakeName('operating_scale').required().label('rule id'),
  description: chineseText().required(),
  when: Joi.string().min(1).required(),
  failMessage: chineseText().required(),
});

// The expert round of a competitive program; its cross-field checks are in
// definition-competition-checks.ts.
const competition = Joi.object({
  expertsPerApplication: Joi.number().integer().min(1).max(15).required(),
  rubric: Joi.array()
    .items(
      Joi.object({
        id: snakeName('innovation').required().label('criterion id'),
        name: chineseText().required(),
        weight: Joi.number().integer().min(1).max(100).required(),
        min: Joi.number().integer().min(0).required(),
        max: Joi.number().integer().min(1).required(),
      }),
    )
    .min(1)
    .required(),
  commentRequiredBelow: Joi.number().min(0).max(100).required(),
  scoringPeriod: deadline().required(),
  reminderAfter: deadline().required(),
  trimWhenAtLeast: Joi.number().integer().min(3).required(),
  tieBreaks: Joi.array()
    .items(Joi.string().pattern(/^(criterion:[a-z][a-z0-9_]*|earliest_submission)$/))
    .required()
    .messages({
      'string.pattern.base':
        'tie-break "{{#value}}" must be criterion:<id> of a rubric criterion, ' +
        'such as criterion:innovation, or earliest_submission',
    }),
  winnersParameter: Joi.string().required(),
  mayWinAgainParameter: Joi.string().required(),
  noticePeriod: deadline().required(),
});

/** The joi schema of a definition file; validate with DEFINITION_SCHEMA_OPTIONS. */
export const definitionSchema = Joi.object<ProgramDefinition, true>({
  code: kebabName('home-bed').required().label('program code'),
  name: chineseText().required(),
  policyClause: policyClause().required(),
  effectiveFrom: date().required(),
  process: oneOf(PROCESS_SET).required(),
  referencePrefix: Joi.string().pattern(REFERENCE_PREFIX_PATTERN).required().messages({
    'string.pattern.base': 'referencePrefix "{{#value}}" must be 2 to 6 capital letters, such as JTCW',
  }),
  applicantTypes: Joi.array().items(oneOf(APPLICANT_TYPE_SET)).min(1).unique().required(),
  fundSources: Joi.array().items(snakeName('city_special')).min(1).unique().required().messages({
    'array.min': 'fundSources must name at least one fund the awards draw on, such as city_special',
  }),
  window: Joi.object({
    opens: monthDay().required(),
    closes: monthDay().required(),
    firstYear: Joi.number().integer().min(2000).max(2100).required(),
    lastYear: Joi.number().integer().min(2000).max(2100).allow(null).required(),
  }).required(),
  subject: Joi.object({
    kind: oneOf(SUBJECT_KIND_SET).required(),
    name: chineseText().required(),
    keyFact: camelName('facilityCode'),
  }).required(),
  facts: Joi.array().items(fact).required(),
  documents: Joi.array()
    .items(
      Joi.object({
        kind: snakeName('service_contract').required().label('document kind'),
        name: chineseText().required(),
        required: Joi.boolean().required(),
        per: oneOf(DOCUMENT_PER_SET).required(),
      }),
    )
    .required(),
  stages: stageTableSchema.required(),
  eligibility: Joi.array().items(rule).required(),
  amount: Joi.object({
    formula: Joi.string().min(1).required(),
    description: chineseText().required(),
  }).required(),
  caps: Joi.object({
    perApplicantPerYear: Joi.string(),
    perRegionPerYear: Joi.object({
      level: Joi.string().valid('district', 'township').required(),
      parameter: Joi.string().required(),
    }),
    perProgramPerYear: Joi.string(),
  }).required(),
  checks: Joi.object({
    blacklist: Joi.boolean().required(),
    doublePayment: Joi.object({
      fundingGroup: kebabName('home-care-bed').required().label('funding group'),
      period: Joi.string().valid('once', 'year').required(),
    })
      .allow(null)
      .required(),
    longTermCareInsurance: Joi.object({ actionParameter: Joi.string().required() }).allow(null).required(),
    sharedBankAccount: Joi.boolean().required(),
  }).required(),
  parameters: Joi.array().items(parameter).required(),
  // Typed as the object schema it is when present; joi's `when` has no generic form.
  competition: Joi.when('process', {
    is: 'competitive_round',
    then: competition.required().messages({
      'any.required':
        'a competitive_round program needs a competition section: its experts, rubric, tie-breaks and notice period',
    }),
    otherwise: Joi.forbidden().messages({
      'any.unknown':
        'competition is only for competitive_round programs: remove it, or set process to competitive_round',
    }),
  }) as unknown as Joi.ObjectSchema<CompetitionDefinition>,
});

export const DEFINITION_SCHEMA_OPTIONS: Joi.ValidationOptions = {
  abortEarly: false,
  convert: false,
  errors: { wrap: { label: false, array: false }, label: 'key' },
  messages: MESSAGES,
};
