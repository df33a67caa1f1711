import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors';

/**
 * An express-rate-limit handler that answers 429 in the API's error shape, with a message
 * that says what to do, instead of the library's plain text.
 */
export function tooManyRequests(message: string): (req: Request, res: Response, next: NextFunction) => void {
  return (_req, _res, next) => next(new AppError(429, 'TOO_MANY_REQUESTS', message));
}
