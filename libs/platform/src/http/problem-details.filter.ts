import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MAX_BODY_BYTES } from './body-limit';
import { ProblemDetails, ProblemException, problemTypes } from './problem';

const logger = new Logger('http');

/** Answers the request of `host` with a problem (application/problem+json); server errors are logged with their cause. */
export function sendProblem(host: ArgumentsHost, problem: ProblemDetails, cause?: unknown, headers: Record<string, string> = {}): void {
  const http = host.switchToHttp();
  const request = http.getRequest<FastifyRequest>();
  const reply = http.getResponse<FastifyReply>();
  const body = { ...problem, instance: request.originalUrl };
  if (body.status >= 500) logger.error({ err: cause, url: request.originalUrl }, 'request failed');
  reply.headers(headers).status(body.status).type('application/problem+json').send(JSON.stringify(body));
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
    // Fastify's own refusals (body parsing, limits) carry a code and their status.
    const fastifyError = exception as { code?: unknown; statusCode?: unknown; message?: string };
    if (fastifyError?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return {
        type: problemTypes.tooLarge,
        title: 'Request body too large',
        status: HttpStatus.PAYLOAD_TOO_LARGE,
        detail: `the body exceeds ${MAX_BODY_BYTES} bytes`,
      };
    }
    if (typeof fastifyError?.code === 'string' && fastifyError.code.startsWith('FST_') && typeof fastifyError.statusCode === 'number') {
      const status = fastifyError.statusCode;
      return status < 500
        ? { type: problemTypes.http, title: titleOf(status), status, detail: fastifyError.message }
        : { type: problemTypes.internal, title: 'Internal error', status, detail: 'the server failed; the error is logged' };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const detail = typeof response === 'string' ? response : (response as { message?: string | string[] }).message;
      return {
        type: problemTypes.http,
        title: titleOf(status),
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

/** 'Bad request' for 400, and so on. */
function titleOf(status: number): string {
  return (HttpStatus[status] ?? 'error')
    .replace(/_/g, ' ')
    .toLowerCase()
    .replace(/^./, (c) => c.toUpperCase());
}
