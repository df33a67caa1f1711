import type { Request } from 'express';
import { ValidationError } from '../errors';

const KEY = /^[\w.:-]{8,128}$/;

/**
 * The request's `Idempotency-Key` header: a client that repeats a request with the same key,
 * after a time-out say, gets the first result back instead of a second record.
 * @returns null when the header is absent.
 * @throws ValidationError when it is not 8 to 128 letters, digits or . _ : -
 */
export function idempotencyKeyOf(req: Request): string | null {
  const key = req.get('Idempotency-Key') ?? null;
  if (key !== null && !KEY.test(key)) {
    throw new ValidationError('Idempotency-Key must be 8 to 128 letters, digits or . _ : -');
  }
  return key;
}
