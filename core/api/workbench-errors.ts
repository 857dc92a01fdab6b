/** Errors as they cross a transport: the engine's code and object survive, stacks do not. */
import { isLakebenchError, type ErrorCode } from '../errors';
import type { WorkbenchErrorJson } from './workbench';

/** A request header (value `yes`) asking the local server to answer engine errors with 200 and `{ ok: false }` (the app's page sends it). */
export const ERRORS_IN_BODY_HEADER = 'x-lakebench-errors-in-body';

export function toErrorJson(e: unknown): WorkbenchErrorJson {
  if (isLakebenchError(e)) return { code: e.code, message: e.message, ...(e.object !== undefined && { object: e.object }) };
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  USAGE: 400,
  BAD_INPUT: 400,
  OUTSIDE_LOCATION: 400,
  NOT_A_TABLE: 404,
  NOT_FOUND: 404,
  ACCESS_DENIED: 403,
  CONFLICT: 409,
  CANCELLED: 409,
  UNSUPPORTED_FEATURE: 422,
  UNSUPPORTED_OPERATION: 422,
  CORRUPT: 422,
  WRONG_REGION: 502,
  BAD_ENDPOINT: 502,
  IO: 502,
  ENVIRONMENT: 503,
};

export function httpStatusOf(error: WorkbenchErrorJson): number {
  return HTTP_STATUS[error.code as ErrorCode] ?? 500;
}
