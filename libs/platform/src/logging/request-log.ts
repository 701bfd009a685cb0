import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/** Probes and scrapes would drown the request log. */
const UNLOGGED = /^\/(health|metrics)(\/|\?|$)/;

/**
 * One line per answered request, in pino-http's shape (`req`, `res`, `responseTime` in ms; "request completed", or
 * "request errored" at level error for a 5xx), from Fastify's onResponse hook. Nothing is built when the level
 * drops the line. The root logger's `redact` keeps credentials out.
 */
export function logRequests(fastify: FastifyInstance, logger: Logger): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const failed = reply.statusCode >= 500;
    const level = failed ? 'error' : 'info';
    if (logger.isLevelEnabled(level) && !UNLOGGED.test(request.url)) {
      const socket = request.raw.socket;
      logger[level](
        {
          req: {
            id: request.id,
            method: request.method,
            url: request.url,
            headers: request.headers,
            remoteAddress: socket?.remoteAddress,
            remotePort: socket?.remotePort,
          },
          res: { statusCode: reply.statusCode, headers: reply.getHeaders() },
          responseTime: Math.round(reply.elapsedTime),
        },
        failed ? 'request errored' : 'request completed',
      );
    }
    done();
  });
}
