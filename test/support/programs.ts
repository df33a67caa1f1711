import path from 'node:path';
import {
  DefinitionError,
  type DefinitionProblem,
  loadDefinitionFile,
} from '../../services/programs/definition-loader';
import type { ProgramDefinition } from '../../services/programs/definition';
import type { ApiClient } from './http';

/** A program's definition as its repository file has it. */
export function repositoryDefinition(code: string): ProgramDefinition {
  return loadDefinitionFile(path.join(__dirname, '../../services/programs/definitions', `${code}.yaml`));
}

/**
 * Publishes, through the API as the admin, a variant of a repository program: the file's
 * definition changed by `change`, effective from 2025-01-01 so that it is in force today
 * and wins over the file's own version. @returns the new version number.
 */
export async function publishVariant(
  admin: ApiClient,
  code: string,
  change: (definition: ProgramDefinition) => void,
): Promise<number> {
  const definition = repositoryDefinition(code);
  definition.effectiveFrom = '2025-01-01';
  change(definition);
  const response = await admin.post(`/programs/${code}/versions`, definition);
  if (response.status !== 201) throw new Error(`publishing failed: ${JSON.stringify(response.body)}`);
  return response.body.version as number;
}

/** Sets a parameter to one value for all dates from 2024 on. */
export function setParameter(
  definition: ProgramDefinition,
  name: string,
  value: number | string | boolean,
): void {
  const parameter = definition.parameters.find((p) => p.name === name);
  if (!parameter) throw new Error(`no parameter ${name} in ${definition.code}`);
  parameter.values = [{ from: '2024-01-01', to: null, value }];
}

const PROJECT_ROOT = path.resolve(__dirname, '../..');

/** A path as definition problems name it: from the project root. */
export const shownPath = (file: string): string => path.relative(PROJECT_ROOT, file);

/** The problems a definition load reports. @throws when it loads, or fails otherwise. */
export function problemsOf(load: () => unknown): DefinitionProblem[] {
  try {
    load();
  } catch (error) {
    if (error instanceof DefinitionError) return error.problems;
    throw error;
  }
  throw new Error('expected a DefinitionError, but the definition loaded');
}
