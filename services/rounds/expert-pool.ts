import crypto from 'node:crypto';
import bcrypt from 'bcryptjs';
import { UniqueConstraintError } from 'sequelize';
import { inTransaction } from '../../db';
import { Expert, Region, User } from '../../db/models';
import { recordAuditEvent } from '../audit';
import { ConflictError, ValidationError } from '../errors';

/*
 * The expert pool (评审专家库): an expert is a user who signs in with the role `expert`, and
 * an experts row that says where they work, which the draw needs to keep them away from
 * their own district's applicants.
 */

export interface ExpertRegistration {
  username: string;
  displayName: string;
  email: string;
  password: string;
  /** The expert's name as applicants and the bureau read it. */
  name: string;
  /** The district-level unit the expert works in: never drawn for its applicants. */
  districtCode: string;
  specialty: string;
}

export interface ExpertView {
  id: string;
  userId: string;
  username: string;
  name: string;
  districtCode: string;
  specialty: string;
  active: boolean;
}

type Problem = { field: string; message: string };

const USERNAME = /^[A-Za-z0-9._-]{3,64}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MIN_PASSWORD_LENGTH = 8;

/**
 * Adds an expert to the pool: a user with the role `expert` and the experts row, with
 * the audit event `expert.registered` (no password, no e-mail address).
 * @throws ValidationError listing each `{ field, message }` for a field that is missing or
 *   malformed, or a district that is not a district-level unit.
 * @throws ConflictError `USERNAME_TAKEN` when the username is in use.
 */
export async function registerExpert(input: ExpertRegistration, actor: string): Promise<ExpertView> {
  const problems = registrationProblems(input);
  const district = await Region.findByPk(input.districtCode);
  if (district?.level !== 'district') {
    problems.push({ field: 'districtCode', message: `"${input.districtCode}" is not a district-level unit` });
  }
  if (problems.length > 0) {
    throw new ValidationError('The expert cannot be registered; correct the fields listed.', problems);
  }
  const passwordHash = await bcrypt.hash(input.password, 10);

  try {
    return await inTransaction(async (tx) => {
      const user = await User.create(
        {
          id: crypto.randomUUID(),
          username: input.username,
          displayName: input.displayName.trim(),
          email: input.email.trim(),
          passwordHash,
          role: 'expert',
          regionCode: input.districtCode,
          organisationCreditCode: null,
          organisationName: null,
        },
        { transaction: tx },
      );
      const expert = await Expert.create(
        {
          id: crypto.randomUUID(),
          userId: user.id,
          name: input.name.trim(),
          districtCode: input.districtCode,
          specialty: input.specialty.trim(),
          active: true,
          createdAt: new Date(),
        },
        { transaction: tx },
      );
      const view = expertView(expert, user.username);
      await recordAuditEvent(tx, {
        actor,
        action: 'expert.registered',
        subjectType: 'expert',
        subjectId: expert.id,
        after: {
          userId: user.id,
          username: user.username,
          districtCode: view.districtCode,
          specialty: view.specialty,
        },
      });
      return view;
    });
  } catch (error) {
    if (error instanceof UniqueConstraintError) {
      throw new ConflictError(`The username "${input.username}" is taken; choose another.`, 'USERNAME_TAKEN');
    }
    throw error;
  }
}

function registrationProblems(input: ExpertRegistration): Problem[] {
  const problems: Problem[] = [];
  if (!USERNAME.test(input.username)) {
    problems.push({
      field: 'username',
      message: 'must be 3 to 64 letters, digits, dots, dashes or underscores',
    });
  }
  for (const field of ['displayName', 'name', 'specialty'] as const) {
    if (!input[field].trim()) problems.push({ field, message: 'is required' });
  }
  if (!EMAIL.test(input.email.trim()))
    problems.push({ field: 'email', message: 'must be an e-mail address' });
  if (input.password.length < MIN_PASSWORD_LENGTH) {
    problems.push({ field: 'password', message: `must have at least ${MIN_PASSWORD_LENGTH} characters` });
  }
  return problems;
}

function expertView(expert: Expert, username: string): ExpertView {
  const { id, userId, name, districtCode, specialty, active } = expert;
  return { id, userId, username, name, districtCode, specialty, active };
}
