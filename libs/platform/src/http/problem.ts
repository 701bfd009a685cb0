import { HttpException, HttpStatus } from '@nestjs/common';

export interface ProblemFieldError {
  /** Index of the item in a batch; absent for a single event. */
  index?: number;
  /** Path of the offending field, e.g. `data.arr`. */
  field: string;
  message: string;
  /** Stable code of a broken rule, e.g. `contract_ended`. */
  code?: string;
}

/** RFC 9457 problem details. `type` is a stable identifier of the problem kind. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: ProblemFieldError[];
  [extension: string]: unknown;
}

/** An error that already knows its problem+json answer (and any header it needs, such as WWW-Authenticate). */
export class ProblemException extends HttpException {
  constructor(
    readonly problem: ProblemDetails,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem, problem.status);
  }
}

export const problemTypes = {
  invalid: 'https://rapport.dev/problems/invalid-event',
  invalidRequest: 'https://rapport.dev/problems/invalid-request',
  malformed: 'https://rapport.dev/problems/malformed-body',
  notFound: 'https://rapport.dev/problems/not-found',
  accountNotFound: 'https://rapport.dev/problems/account-not-found',
  rule: 'https://rapport.dev/problems/account-rule',
  tooLarge: 'https://rapport.dev/problems/batch-too-large',
  unsupportedMediaType: 'https://rapport.dev/problems/unsupported-media-type',
  conflict: 'https://rapport.dev/problems/concurrency-conflict',
  internal: 'https://rapport.dev/problems/internal',
  unavailable: 'https://rapport.dev/problems/unavailable',
  unauthenticated: 'https://rapport.dev/problems/unauthenticated',
  forbidden: 'https://rapport.dev/problems/forbidden',
  tooManyRequests: 'https://rapport.dev/problems/too-many-requests',
  http: 'about:blank',
} as const;

export function problem(status: HttpStatus, type: string, title: string, detail?: string, errors?: ProblemFieldError[]): ProblemException {
  return new ProblemException({ type, title, status, ...(detail ? { detail } : {}), ...(errors ? { errors } : {}) });
}
