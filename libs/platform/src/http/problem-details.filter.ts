import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ProblemDetails, ProblemException, problemTypes } from './problem';

const logger = new Logger('http');

/** Answers the request of `host` with a problem (application/problem+json); server errors are logged with their cause. */
export function sendProblem(host: ArgumentsHost, problem: ProblemDetails, cause?: unknown, headers: Record<string, string> = {}): void {
  const http = host.switchToHttp();
  const request = http.getRequest<Request>();
  const response = http.getResponse<Response>();
  const body = { ...problem, instance: request.originalUrl };
  if (body.status >= 500) logger.error({ err: cause, url: request.originalUrl }, 'request failed');
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  response.status(body.status).type('application/problem+json').send(JSON.stringify(body));
}

/**
 * Every error leaves as application/problem+json (RFC 9457); unexpected ones are logged and told apart from input
 * errors. Errors of an application's own (an ingest refusal, say) are answered by that application's filter.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    sendProblem(host, this.toProblem(exception), exception, exception instanceof ProblemException ? exception.headers : {});
  }

  private toProblem(exception: unknown): ProblemDetails {
    if (exception instanceof ProblemException) return exception.problem;
    const bodyParserError = exception as { type?: string; status?: number; message?: string; limit?: number };
    if (bodyParserError?.type === 'entity.too.large') {
      return {
        type: problemTypes.tooLarge,
        title: 'Request body too large',
        status: HttpStatus.PAYLOAD_TOO_LARGE,
        detail: `the body exceeds ${bodyParserError.limit} bytes`,
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const detail = typeof response === 'string' ? response : (response as { message?: string | string[] }).message;
      // Nest maps body-parser's invalid JSON (a SyntaxError) to BadRequestException before filters see it.
      const title = (HttpStatus[status] ?? 'error')
        .replace(/_/g, ' ')
        .toLowerCase()
        .replace(/^./, (c) => c.toUpperCase());
      return {
        type: problemTypes.http,
        title,
        status,
        ...(detail !== undefined ? { detail: Array.isArray(detail) ? detail.join('; ') : detail } : {}),
        // Terminus answers 503 with the state of each check: keep it for the prober.
        ...(typeof response === 'object' && detail === undefined ? { details: response } : {}),
      };
    }
    return {
      type: problemTypes.internal,
      title: 'Internal error',
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      detail: 'the server failed; the error is logged',
    };
  }
}
