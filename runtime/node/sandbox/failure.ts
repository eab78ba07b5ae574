/**
 * What a value thrown by component code becomes as plain data, wherever it was thrown: in a
 * sandbox context (the bootstrap compiles this function's text there, so it stays
 * self-contained) or in the host (a syntax error found while compiling, the dev server's
 * module runner). One converter, so dev and production report the same message, code and status.
 */
import type { ErrorDetail } from '../../shared/errors.js';

export interface FailureInfo {
  message: string;
  stack?: string;
  code?: string;
  /** Only from a branded Mikr0Error (createError): a component may reject input with a 4xx. */
  status?: number;
  details?: ErrorDetail[];
}

/** `brand` is the Mikr0Error brand; in a context, the one the bootstrap captured before component code ran. */
export function failureInfo(error: any, brand: symbol = Symbol.for('mikr0.error')): FailureInfo {
  let message: string;
  try {
    message = error && typeof error.message === 'string' ? error.message : String(error);
  } catch {
    message = 'a value that cannot be shown';
  }
  const branded = Boolean(error) && error[brand] === true;
  return {
    message,
    stack: error && typeof error.stack === 'string' ? error.stack : undefined,
    code: error && typeof error.code === 'string' ? error.code : undefined,
    status: branded && typeof error.status === 'number' ? error.status : undefined,
    details: branded && error.details ? error.details : undefined,
  };
}
