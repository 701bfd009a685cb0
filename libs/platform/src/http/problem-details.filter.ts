import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ProblemDetails, ProblemException, problemTypes } from './problem';

/** Every error leaves as application/problem+json (RFC 9457); unexpected ones are logged and told apart from input errors. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const body = { ...this.toProblem(exception), instance: request.originalUrl };
    if (body.status >= 500) this.logger.error({ err: exception, url: request.originalUrl }, 'request failed');
    response.status(body.status).type('application/problem+json').send(JSON.stringify(body));
  }

  private toProblem(exception: unknown): ProblemDetails {
    if (exception instanceof ProblemException) return exception.problem;
    const bodyParserError = exception as { type?: string; status?: number; message?: string; limit?: number };
    if (bodyParserError?.type === 'entity.too.large') {
      return { type: problemTypes.tooLarge, title: 'Request body too large', status: HttpStatus.PAYLOAD_TOO_LARGE, detail: `the body exceeds ${bodyParserError.limit} bytes` };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const detail = typeof response === 'string' ? response : (response as { message?: string | string[] }).message;
      // Nest maps body-parser's invalid JSON (a SyntaxError) to BadRequestException before filters see it.
      const title = (HttpStatus[status] ?? 'error').replace(/_/g, ' ').toLowerCase().replace(/^./, (c) => c.toUpperCase());
      return {
        type: problemTypes.http,
        title,
        status,
        ...(detail !== undefined ? { detail: Array.isArray(detail) ? detail.join('; ') : detail } : {}),
        // Terminus answers 503 with the state of each check: keep it for the prober.
        ...(typeof response === 'object' && detail === undefined ? { details: response } : {}),
      };
    }
    return { type: problemTypes.internal, title: 'Internal error', status: HttpStatus.INTERNAL_SERVER_ERROR, detail: 'the server failed; the error is logged' };
  }
}
