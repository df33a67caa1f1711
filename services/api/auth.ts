import bcrypt from 'bcryptjs';
import type { NextFunction, Request, Response } from 'express';
import Joi from 'joi';
import jwt from 'jsonwebtoken';
import { User, type Role } from '../../db/models';
import { config } from '../config';
import { ForbiddenError, UnauthenticatedError, ValidationError } from '../errors';
import type { Actor } from '../../workflows/application-messages';

declare module 'express-serve-static-core' {
  interface Request {
    user?: User;
  }
}

const loginSchema = Joi.object({
  username: Joi.string().trim().required(),
  password: Joi.string().required(),
});

/** POST /auth/login: a bearer token for a username and password. */
export async function login(req: Request, res: Response): Promise<void> {
  const { value, error } = loginSchema.validate(req.body ?? {});
  if (error)
    throw new ValidationError(
      'Send a JSON body with "username" and "password".',
      error.details.map((d) => d.message),
    );
  const user = await User.findOne({ where: { username: value.username } });
  // The same answer and a comparable delay whether the user exists or not.
  const hash = user?.passwordHash ?? '$2b$10$invalidinvalidinvalidinvalidinvalidinvalidinvalidinval';
  const matches = await bcrypt.compare(value.password as string, hash);
  if (!user || !matches) throw new UnauthenticatedError('The username or password is wrong.');
  const token = jwt.sign({ role: user.role, region: user.regionCode }, config().jwtSecret, {
    subject: user.id,
    expiresIn: config().jwtTtlSeconds,
  });
  res.json({ token, expiresIn: config().jwtTtlSeconds, user: describeUser(user) });
}

export function describeUser(user: User): Record<string, unknown> {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    role: user.role,
    regionCode: user.regionCode,
    organisationCreditCode: user.organisationCreditCode,
    organisationName: user.organisationName,
  };
}

/** Requires a valid bearer token; the user is loaded afresh so that a changed role applies at once. */
export async function authenticate(req: Request, _res: Response, next: NextFunction): Promise<void> {
  const header = req.headers.authorization ?? '';
  const [scheme, token] = header.split(' ');
  if (scheme !== 'Bearer' || !token) throw new UnauthenticatedError();
  let subject: string | undefined;
  try {
    subject = (jwt.verify(token, config().jwtSecret) as jwt.JwtPayload).sub;
  } catch {
    throw new UnauthenticatedError('The token is invalid or has expired; sign in again.');
  }
  const user = subject ? await User.findByPk(subject) : null;
  if (!user) throw new UnauthenticatedError('The account behind this token no longer exists.');
  req.user = user;
  next();
}

/** The signed-in user. @throws UnauthenticatedError outside authenticated routes. */
export function currentUser(req: Request): User {
  if (!req.user) throw new UnauthenticatedError();
  return req.user;
}

export function requireRole(req: Request, ...roles: Role[]): User {
  const user = currentUser(req);
  if (!roles.includes(user.role)) {
    throw new ForbiddenError(
      `This needs one of the roles ${roles.join(', ')}; you are ${user.role}.`,
      'FORBIDDEN_ROLE',
    );
  }
  return user;
}

export function actorOf(user: User): Actor {
  return { userId: user.id, role: user.role, regionCode: user.regionCode };
}
