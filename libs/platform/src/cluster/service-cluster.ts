import cluster, { Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { Backoff, supervise } from '@rapport/retry';
import { ClusterMetricsAggregator } from './cluster-metrics';

/** Set in the environment of the processes a ServiceCluster forks. */
export const CLUSTER_WORKER_ENV = 'RAPPORT_CLUSTER_WORKER';

/** The most processes a cluster runs: what the variables accept, and where `auto` stops on a larger machine. */
export const MAX_PROCESSES = 64;

/** The processes a `RAPPORT_…_PROCESSES` value asks for (validated before): unset one, `auto` one per core. */
export function processCount(value: string | undefined): number {
  if (value === undefined || value === '') return 1;
  return value === 'auto' ? Math.min(MAX_PROCESSES, availableParallelism()) : Number(value);
}

/** Whether this process serves as one of a ServiceCluster's. */
export function isClusterWorker(): boolean {
  return cluster.isWorker && process.env[CLUSTER_WORKER_ENV] === '1';
}

/** A process up this long before it ended counts as having worked: its end is a first failure, not one more in a row. */
const HEALTHY_RUN_MS = 60_000;

export interface ClusterLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface ServiceClusterOptions {
  processes: number;
  log: ClusterLog;
  /** The first wait before a process that ended is replaced (doubling while they keep ending, up to 5 s). */
  retryDelayMs?: number;
}

/**
 * A service as several processes on one port (node `cluster`: the primary accepts connections and hands them to the
 * processes in turn), for a service that one core cannot keep up with. This process, the primary, serves nothing
 * itself: it forks the processes, each the same script with the same node flags, replaces one that ends after a
 * back-off, merges their /metrics (`ClusterMetricsAggregator`), and on `stop()` passes SIGTERM to each, which
 * finishes the requests in hand. A process that ends before any of them has served means the service cannot start
 * (a bad database URL, a port taken): every process is stopped and the cluster exits 1, as one process would.
 */
export class ServiceCluster {
  private readonly abort = new AbortController();
  private readonly serving = new Set<Worker>();
  private everServed = false;
  private exitCode = 0;

  constructor(private readonly options: ServiceClusterOptions) {}

  /** Forks the processes and keeps them running; resolves with the exit code once all have stopped. */
  async run(): Promise<number> {
    new ClusterMetricsAggregator(
      () => this.serving,
      (message) => this.options.log.warn(message),
    );
    cluster.on('listening', (worker) => {
      this.serving.add(worker);
      this.everServed = true;
    });
    cluster.on('exit', (worker) => this.serving.delete(worker));
    this.options.log.info(`serving with ${this.options.processes} processes`);
    await Promise.all(Array.from({ length: this.options.processes }, () => this.keepOneRunning()));
    return this.exitCode;
  }

  stop(): void {
    if (this.abort.signal.aborted) return;
    this.abort.abort();
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  }

  private keepOneRunning(): Promise<void> {
    const backoff = new Backoff({ initialMs: this.options.retryDelayMs ?? 1_000 });
    return supervise(() => this.runProcess(backoff), {
      signal: this.abort.signal,
      backoff,
      onFailure: (error, failures, waitMs) =>
        this.options.log.error(`${(error as Error).message}; starting another in ${waitMs} ms (failure ${failures} in a row)`),
    });
  }

  private runProcess(backoff: Backoff): Promise<void> {
    return new Promise((resolve, reject) => {
      const worker = cluster.fork({ [CLUSTER_WORKER_ENV]: '1' });
      const startedAt = performance.now();
      worker.on('exit', (code, signal) => {
        if (performance.now() - startedAt >= HEALTHY_RUN_MS) backoff.succeeded();
        const how = signal ? `signal ${signal}` : `code ${code}`;
        if (this.abort.signal.aborted) {
          // A process still starting when the stop came ends by the signal itself, before it handles signals.
          if (code !== 0 && signal !== 'SIGTERM') this.exitCode = 1;
          resolve();
        } else if (!this.everServed) {
          this.options.log.error(`process ${worker.process.pid} exited with ${how} before the service served; stopping`);
          this.exitCode = 1;
          this.stop();
          resolve();
        } else reject(new Error(`process ${worker.process.pid} exited with ${how}`));
      });
    });
  }
}
