import { Controller, Get, Global, Inject, Injectable, Module } from '@nestjs/common';
import { Public } from '../access/access.guard';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import { Pool } from 'pg';
import { PG_POOL } from '../database/database.module';

/** A readiness condition of a module beyond the database: `true` when ready, else why not. */
export type ReadinessCheck = () => Promise<true | string>;

/** Where modules register what /health/ready must also check (the projector: caught up within a bound). */
@Injectable()
export class Readiness {
  readonly checks = new Map<string, ReadinessCheck>();
  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }
}

@Controller('health')
@Public()
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly readiness: Readiness,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  /** The process runs and answers. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** The process can do its work: its PostgreSQL answers. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      async () => {
        const indicator = this.indicators.check('postgres');
        try {
          await this.pool.query('SELECT 1');
          return indicator.up();
        } catch (error) {
          return indicator.down({ message: (error as Error).message });
        }
      },
      ...[...this.readiness.checks].map(([name, check]) => async () => {
        const indicator = this.indicators.check(name);
        const result = await check().catch((error: Error) => error.message);
        return result === true ? indicator.up() : indicator.down({ message: result });
      }),
    ]);
  }
}

/** `/health/live` and `/health/ready` (terminus): ready = PostgreSQL answers and every registered check passes. */
@Global()
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [Readiness],
  exports: [Readiness],
})
export class HealthModule {}
