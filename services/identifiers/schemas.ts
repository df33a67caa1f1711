import Joi from 'joi';
import { creditCodeProblem } from './credit-code';
import { residentIdProblem } from './resident-id';

/*
 * joi schemas for the two national identifiers, with messages that say which part is wrong
 * and where to look, for every route and service that accepts one.
 */

const CREDIT_CODE_MESSAGES = {
  length: 'must be 18 characters',
  characters: 'may use only digits and the capital letters of GB 32100 (no I, O, S, V, Z)',
  'check-character': 'has a wrong check character (the 18th); check the code on the business licence',
} as const;

const RESIDENT_ID_MESSAGES = {
  format: 'must be 17 digits followed by a digit or X',
  'birth-date': 'contains a birth date that does not exist',
  'check-digit': 'has a wrong check digit (the 18th); check the number on the identity card',
} as const;

/** 统一社会信用代码 (GB 32100-2015), trimmed and upper-cased. */
export const creditCodeSchema = Joi.string()
  .trim()
  .uppercase()
  .custom((value: string, helpers) => {
    const problem = creditCodeProblem(value);
    return problem ? helpers.message({ custom: `{{#label}} ${CREDIT_CODE_MESSAGES[problem]}` }) : value;
  });

/** 居民身份证号码 (GB 11643-1999), trimmed and upper-cased. */
export const residentIdSchema = Joi.string()
  .trim()
  .uppercase()
  .custom((value: string, helpers) => {
    const problem = residentIdProblem(value);
    return problem ? helpers.message({ custom: `{{#label}} ${RESIDENT_ID_MESSAGES[problem]}` }) : value;
  });
