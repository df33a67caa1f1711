import fs from 'node:fs';
import nodePath from 'node:path';
import YAML from 'yaml';
import { ValidationError } from '../errors';
import type { ProgramDefinition } from './definition';
import { definitionProblems } from './definition-checks';
import { DEFINITION_SCHEMA_OPTIONS, definitionSchema } from './definition-schema';

/*
 * Reads program definition files and checks them in three passes: YAML syntax, the shape
 * (definition-schema.ts), then what holds between fields: references, dates, expressions
 * (definition-checks.ts). A pass runs only when the one before found nothing, since its
 * checks rely on a sound shape.
 */

/** One thing wrong in a definition file, said so that the bureau's administrator can fix it. */
export interface DefinitionProblem {
  file: string;
  /** Where in the file, such as `stages.stages[2].decisions.approve.target.stage`; empty for the whole file. */
  path: string;
  message: string;
}

/** A definition that cannot be used; `details` lists every problem found. */
export class DefinitionError extends ValidationError {
  constructor(readonly problems: DefinitionProblem[]) {
    super(summarise(problems), problems);
  }
}

function summarise(problems: DefinitionProblem[]): string {
  const files = [...new Set(problems.map((problem) => problem.file))].join(', ');
  const lines = problems.map((p) => `  ${p.file}${p.path ? ` at ${p.path}` : ''}: ${p.message}`);
  const count = problems.length === 1 ? 'a problem' : `${problems.length} problems`;
  return [`Program definition ${files} has ${count}:`, ...lines].join('\n');
}

export const DEFAULT_DEFINITION_DIRECTORY = nodePath.resolve(__dirname, 'definitions');

const DEFINITION_FILE = /\.(ya?ml|json)$/;
const PROJECT_ROOT = nodePath.resolve(__dirname, '../..');

/** Files of the project are named from its root, the same on every machine; others as given. */
function shownPath(path: string): string {
  const relative = nodePath.relative(PROJECT_ROOT, nodePath.resolve(path));
  return relative.startsWith('..') || nodePath.isAbsolute(relative) ? path : relative;
}

/**
 * Parses YAML (or JSON, which is YAML too) with the core schema, where unquoted dates stay
 * text, and validates the result.
 * @throws DefinitionError listing every problem found.
 */
export function parseDefinition(text: string, file: string): ProgramDefinition {
  const lineCounter = new YAML.LineCounter();
  const document = YAML.parseDocument(text, { lineCounter, prettyErrors: false });

  if (document.errors.length > 0) {
    throw new DefinitionError(
      document.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return {
          file,
          path: '',
          message: `YAML syntax error at line ${line}, column ${col} (or just before it): ${yamlMessage(error)}`,
        };
      }),
    );
  }

  return validateDefinition(document.toJS(), file);
}

function yamlMessage(error: YAML.YAMLError): string {
  if (error.code === 'MULTIPLE_DOCS')
    return 'the file holds more than one document (a second ---); keep one program per file';
  if (error.code === 'DUPLICATE_KEY') return 'the same field is given twice in one place';
  return error.message;
}

/**
 * Validates an already parsed definition: its shape, then the checks between fields.
 * @throws DefinitionError listing every problem found.
 */
export function validateDefinition(raw: unknown, file: string): ProgramDefinition {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new DefinitionError([
      {
        file,
        path: '',
        message:
          'a program definition must be a set of named fields such as code and name, not a list or a single value',
      },
    ]);
  }

  const { value, error } = definitionSchema.validate(raw, DEFINITION_SCHEMA_OPTIONS);
  if (error) {
    throw new DefinitionError(
      error.details.map((detail) => ({ file, path: formatPath(detail.path), message: detail.message })),
    );
  }

  const problems = definitionProblems(value).map((problem) => ({ file, ...problem }));
  if (problems.length > 0) throw new DefinitionError(problems);
  return value;
}

/**
 * Reads and validates one definition file.
 * @throws DefinitionError when the file cannot be read or is not a valid definition.
 */
export function loadDefinitionFile(path: string): ProgramDefinition {
  const file = shownPath(path);
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : String(error);
    throw new DefinitionError([{ file, path: '', message: `cannot read the file: ${reason}` }]);
  }
  return parseDefinition(text, file);
}

/**
 * Reads every .yaml, .yml and .json file of a directory, in name order. Programs must not
 * share a code or a reference prefix.
 * @throws DefinitionError listing the problems of every file, not only the first bad one.
 */
export function loadDefinitionDirectory(
  dir: string = DEFAULT_DEFINITION_DIRECTORY,
): Array<{ file: string; definition: ProgramDefinition }> {
  const names = fs
    .readdirSync(dir)
    .filter((name) => DEFINITION_FILE.test(name))
    .sort();
  const loaded: Array<{ file: string; definition: ProgramDefinition }> = [];
  const problems: DefinitionProblem[] = [];

  for (const name of names) {
    const path = nodePath.join(dir, name);
    try {
      loaded.push({ file: shownPath(path), definition: loadDefinitionFile(path) });
    } catch (error) {
      if (!(error instanceof DefinitionError)) throw error;
      problems.push(...error.problems);
    }
  }

  const codes = new Map<string, string>();
  const prefixes = new Map<string, string>();
  for (const { file, definition } of loaded) {
    const sameCode = codes.get(definition.code);
    if (sameCode)
      problems.push({
        file,
        path: 'code',
        message: `program code "${definition.code}" is also used by ${sameCode}`,
      });
    codes.set(definition.code, file);
    const samePrefix = prefixes.get(definition.referencePrefix);
    if (samePrefix) {
      problems.push({
        file,
        path: 'referencePrefix',
        message:
          `referencePrefix "${definition.referencePrefix}" is also used by ${samePrefix}; ` +
          'application references would collide',
      });
    }
    prefixes.set(definition.referencePrefix, file);
  }

  if (problems.length > 0) throw new DefinitionError(problems);
  return loaded;
}

/** `['stages', 'stages', 2, 'id']` → `stages.stages[2].id`. */
function formatPath(path: ReadonlyArray<string | number>): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${key}` : key),
    '',
  );
}
