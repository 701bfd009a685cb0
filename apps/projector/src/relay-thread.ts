import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { KafkaOptions, RelayLog } from '@rapport/messaging';
import { Backoff, supervise } from '@rapport/retry';

/** What the relay's worker thread is started with: plain data, copied to it. */
export interface RelayWorkerData {
  databaseUrl: string;
  kafka: KafkaOptions;
  topic: string;
}

/** What the worker posts to its parent: a log line, with its error as text (an Error does not cross threads whole). */
export interface RelayWorkerMessage {
  level: 'info' | 'warn' | 'error';
  message: string;
  error?: { message: string; stack?: string };
}

/** A thread up this long before it ended counts as having worked: its end is a first failure, not one more in a row. */
const HEALTHY_RUN_MS = 60_000;

// Built, the worker is the .js file beside this one and takes the process's node flags; run from the sources (ts-node,
// jest), it is compiled as it loads.
const SOURCE = extname(__filename);
const WORKER_FILE = join(__dirname, `relay.worker${SOURCE}`);
const WORKER_EXEC_ARGV =
  SOURCE === '.ts' ? ['--require', 'ts-node/register/transpile-only', '--require', 'tsconfig-paths/register'] : undefined;

/**
 * The outbox relay on a worker thread of its own, with its own connection and Kafka producer, so that encoding each
 * batch for Kafka (kafkajs, ~15 % of the projector's thread under bench:pipeline's burst) does not hold up the
 * projector's transactions. The relay itself is unchanged (`OutboxRelay`: leader lock, order, at-least-once); a
 * thread that ends for any reason but `stop()` is started again after a back-off, and its logs are this process's.
 */
export class RelayThread {
  private abort = new AbortController();
  private running?: Promise<void>;
  private worker?: Worker;
  private readonly backoff: Backoff;
  private readonly workerFile: string;

  constructor(
    private readonly data: RelayWorkerData,
    private readonly log: RelayLog & { warn(message: string): void },
    /** `workerFile`: another script for the thread (the specs' failing ones). */
    options: { retryDelayMs?: number; workerFile?: string } = {},
  ) {
    this.backoff = new Backoff({ initialMs: options.retryDelayMs ?? 1_000 });
    this.workerFile = options.workerFile ?? WORKER_FILE;
  }

  start(): void {
    this.abort = new AbortController();
    this.running = supervise(() => this.runWorker(), {
      signal: this.abort.signal,
      backoff: this.backoff,
      onFailure: (error, failures) =>
        this.log.error(`the outbox relay's thread ended; starting it again (failure ${failures} in a row)`, error),
    });
  }

  /** Lets the relay finish the batch in hand (sent and recorded), then ends its thread. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.worker?.postMessage('stop');
    await this.running;
  }

  private runWorker(): Promise<void> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(this.workerFile, { workerData: this.data, execArgv: WORKER_EXEC_ARGV });
      this.worker = worker;
      let failure: Error | undefined;
      worker.on('message', (message: RelayWorkerMessage) => this.forward(message));
      worker.on('error', (error) => (failure = error));
      const startedAt = performance.now();
      worker.on('exit', (code) => {
        this.worker = undefined;
        // A thread that ran a good while failed once; one that keeps ending as it starts waits longer each time.
        if (performance.now() - startedAt >= HEALTHY_RUN_MS) this.backoff.succeeded();
        if (failure) reject(failure);
        else if (this.abort.signal.aborted) resolve();
        else reject(new Error(`the relay's worker thread exited with code ${code}`));
      });
      // stop() came while the thread was being started: the message waits for the thread's listener.
      if (this.abort.signal.aborted) worker.postMessage('stop');
    });
  }

  private forward({ level, message, error }: RelayWorkerMessage): void {
    if (level === 'info') this.log.info(message);
    else if (level === 'warn') this.log.warn(message);
    else this.log.error(message, error && Object.assign(new Error(error.message), { stack: error.stack }));
  }
}
