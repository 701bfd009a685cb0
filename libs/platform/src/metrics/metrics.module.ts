import { Controller, Get, Global, Header, Injectable, Module } from '@nestjs/common';
import { RequiresScopeUnlessPublic } from '../access/access.guard';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ClusterMetricsClient } from '../cluster/cluster-metrics';
import { isClusterWorker } from '../cluster/service-cluster';

/** The process's Prometheus registry and the metrics every app shares. Apps add theirs (gauges read when scraped). */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'rapport_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly eventsAppended = new Counter({
    name: 'rapport_events_appended_total',
    help: 'Events appended by ingest',
    labelNames: ['via'],
    registers: [this.registry],
  });
  readonly duplicates = new Counter({
    name: 'rapport_events_duplicate_total',
    help: 'Deliveries whose idempotency key was seen before',
    labelNames: ['via'],
    registers: [this.registry],
  });

  readonly ingestRetries = new Counter({
    name: 'rapport_ingest_retries_total',
    help:
      'Ingest attempts decided again on the streams as read: another writer got in between (conflict), an event was ' +
      'already stored (redelivery), or the append the attempt followed failed (followed_failed)',
    labelNames: ['reason'],
    registers: [this.registry],
  });

  /** Set in a process of a cluster (`ServiceCluster`): a scrape answers with the metrics of every process. */
  private readonly cluster = isClusterWorker() ? new ClusterMetricsClient(this.registry) : undefined;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'rapport_' });
  }

  /** What GET /metrics answers: this process's metrics, or its cluster's, merged. */
  scrape(): Promise<string> {
    return this.cluster ? this.cluster.scrape() : this.registry.metrics();
  }

  /** A gauge computed when scraped. */
  gauge(name: string, help: string, read: () => Promise<number>): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        this.set(await read());
      },
    });
  }
}

@Controller()
@RequiresScopeUnlessPublic('read', 'RAPPORT_PUBLIC_METRICS')
class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  scrape(): Promise<string> {
    return this.metrics.scrape();
  }
}

/** GET /metrics in Prometheus text format and the shared counters; HTTP latency per route is observed by `configureHttpApp`. */
@Global()
@Module({ controllers: [MetricsController], providers: [Metrics], exports: [Metrics] })
export class MetricsModule {}
