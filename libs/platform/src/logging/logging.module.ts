import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';

/** The pino logger every log line of a process goes through: the app's (via nestjs-pino) and the request log's. */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

const rootLogger = {
  provide: ROOT_LOGGER,
  inject: [ConfigService],
  useFactory: (config: ConfigService) =>
    pino({
      level: config.get<string>('LOG_LEVEL') ?? 'info',
      // Credentials never reach the logs, whatever the level.
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'], censor: '[redacted]' },
    }),
};

@Global()
@Module({ providers: [rootLogger], exports: [rootLogger] })
class RootLoggerModule {}

/**
 * Structured JSON logs (pino); LOG_LEVEL sets the level. Requests are logged by `logRequests`, not by nestjs-pino's
 * middleware (`forRoutes: []`): that one gave every request a child logger and an AsyncLocalStorage context, whose
 * promise hooks then taxed every promise the request made, at any level (docs/benchmarks.md, "The HTTP edge's own cost").
 */
@Module({
  imports: [
    RootLoggerModule,
    LoggerModule.forRootAsync({
      inject: [ROOT_LOGGER],
      useFactory: (logger: pino.Logger) => ({ pinoHttp: { logger }, forRoutes: [] }),
    }),
  ],
})
export class LoggingModule {}
