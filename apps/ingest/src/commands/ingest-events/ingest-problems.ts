import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus } from '@nestjs/common';
import { ProblemDetails, ProblemFieldError, problemTypes, sendProblem } from '@rapport/platform';
import { unreachable } from '@rapport/domain';
import { IngestRefusal, IngestRefused } from './ingest-errors';

/** Batches name the index of each bad item; a single event is reported without one. */
function withIndex(errors: ProblemFieldError[], single: boolean): ProblemFieldError[] {
  return single ? errors.map(({ index: _index, ...rest }) => rest) : errors;
}

/** The problem+json answer to an ingest refusal: what HTTP clients get, and what the Kafka DLQ's headers carry. */
export function ingestProblem(error: IngestRefusal): ProblemDetails {
  const { single } = error;
  switch (error.kind) {
    case 'invalid': {
      const count = new Set(error.errors.map((e) => e.index)).size;
      return {
        type: problemTypes.invalid,
        title: 'Invalid event',
        status: HttpStatus.BAD_REQUEST,
        detail: single
          ? 'the event does not match the catalog; nothing was appended'
          : `${count} item(s) of the batch do not match the catalog; nothing was appended`,
        errors: withIndex(error.errors, single),
      };
    }
    case 'forbidden':
      return {
        type: problemTypes.forbidden,
        title: 'Source system not allowed',
        status: HttpStatus.FORBIDDEN,
        detail: single
          ? error.errors[0].message
          : `${error.errors.length} item(s) of the batch are of source systems this credential may not write; nothing was appended`,
        errors: withIndex(error.errors, single),
      };
    case 'rejected': {
      const errors = error.rejections.map(({ index, rejection }) => ({
        index,
        field: rejection.field,
        code: rejection.code,
        message: rejection.message,
      }));
      // An unopened account is 404 when it is the only thing wrong; any broken rule makes the whole answer a 409.
      const allNotFound = error.rejections.every(({ rejection }) => rejection.type === 'AccountNotFound');
      return {
        type: allNotFound ? problemTypes.accountNotFound : problemTypes.rule,
        title: allNotFound ? 'Unknown account' : 'Account rule broken',
        status: allNotFound ? HttpStatus.NOT_FOUND : HttpStatus.CONFLICT,
        detail: single ? errors[0].message : `${errors.length} item(s) of the batch break a rule of their account; nothing was appended`,
        errors: withIndex(errors, single),
      };
    }
    case 'conflicting':
      return {
        type: problemTypes.conflict,
        title: 'Concurrent writes',
        status: HttpStatus.CONFLICT,
        detail: `the accounts kept changing under this request through ${error.attempts} attempts; nothing was appended, retry it`,
      };
    case 'shutting-down':
      return {
        type: problemTypes.unavailable,
        title: 'Shutting down',
        status: HttpStatus.SERVICE_UNAVAILABLE,
        detail: 'this instance is stopping; nothing was appended, retry',
      };
    default:
      return unreachable(error);
  }
}

/** Ingest's refusals over HTTP. */
@Catch(IngestRefused)
export class IngestProblemsFilter implements ExceptionFilter {
  catch(error: IngestRefused, host: ArgumentsHost): void {
    sendProblem(host, ingestProblem(error as IngestRefusal), error);
  }
}
