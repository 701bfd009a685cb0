import { HttpStatus } from '@nestjs/common';
import { problem, ProblemException, ProblemFieldError, problemTypes } from '@rapport/platform';

/** Batches name the index of each bad item; a single event is reported without one. */
function withIndex(errors: ProblemFieldError[], single: boolean): ProblemFieldError[] {
  return single ? errors.map(({ index: _index, ...rest }) => rest) : errors;
}

export function invalidEvents(errors: ProblemFieldError[], single: boolean): ProblemException {
  const count = new Set(errors.map((e) => e.index)).size;
  return problem(
    HttpStatus.BAD_REQUEST,
    problemTypes.invalid,
    'Invalid event',
    single ? 'the event does not match the catalog; nothing was appended' : `${count} item(s) of the batch do not match the catalog; nothing was appended`,
    withIndex(errors, single),
  );
}

/** Rules of the accounts' state broken: 404 when every error is an unopened account, 409 otherwise. */
export function brokenRules(errors: ProblemFieldError[], single: boolean): ProblemException {
  const allNotFound = errors.every((e) => e.code === 'account_not_found');
  return problem(
    allNotFound ? HttpStatus.NOT_FOUND : HttpStatus.CONFLICT,
    allNotFound ? problemTypes.accountNotFound : problemTypes.rule,
    allNotFound ? 'Unknown account' : 'Account rule broken',
    single ? errors[0].message : `${errors.length} item(s) of the batch break a rule of their account; nothing was appended`,
    withIndex(errors, single),
  );
}

export function tooManyConflicts(attempts: number): ProblemException {
  return problem(
    HttpStatus.CONFLICT,
    problemTypes.conflict,
    'Concurrent writes',
    `the accounts kept changing under this request through ${attempts} attempts; nothing was appended, retry it`,
  );
}

export function shuttingDown(): ProblemException {
  return problem(HttpStatus.SERVICE_UNAVAILABLE, problemTypes.unavailable, 'Shutting down', 'this instance is stopping; nothing was appended, retry');
}
