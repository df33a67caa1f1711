/**
 * Errors a user can meet. Each has an HTTP status, a stable code that clients may
 * switch on, and a message a person can act on. The API's one error handler turns
 * them into `{ error: { code, message, details } }`.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }

  toJSON(): { code: string; message: string; details?: unknown } {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: unknown) {
    super(400, 'VALIDATION_FAILED', message, details);
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = 'Sign in first: send "Authorization: Bearer <token>" from POST /auth/login.') {
    super(401, 'UNAUTHENTICATED', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string, code = 'FORBIDDEN') {
    super(403, code, message);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string, id: string) {
    super(404, 'NOT_FOUND', `${what} ${id} does not exist or is not visible to you.`);
  }
}

/** The action is valid in general but not in the subject's current state. */
export class ConflictError extends AppError {
  constructor(message: string, code = 'NOT_ALLOWED_NOW', details?: unknown) {
    super(409, code, message, details);
  }
}

export class InsufficientBudgetError extends AppError {
  constructor(message: string, details?: unknown) {
    super(409, 'INSUFFICIENT_BUDGET', message, details);
  }
}

export class UnavailableError extends AppError {
  constructor(message: string) {
    super(503, 'SERVICE_UNAVAILABLE', message);
  }
}
