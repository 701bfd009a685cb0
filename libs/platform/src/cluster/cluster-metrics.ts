import cluster, { Worker } from 'node:cluster';
import { AggregatorRegistry, Registry } from 'prom-client';

/** One process's metrics as prom-client exports them for aggregation. */
type LocalMetrics = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/**
 * /metrics of a service that runs as several processes on one port (`ServiceCluster`). Prometheus scrapes whichever
 * process the connection lands on, so that one asks the primary, which gathers every serving process's metrics and
 * merges them (prom-client's aggregation: counters and histograms summed, gauges by their `aggregator`). One
 * process's figures alone would look like a counter that jumps back and forth between scrapes.
 */

/** A worker asks for the cluster's metrics. */
interface ScrapeRequest {
  type: 'rapport:scrape';
  id: number;
}

/** The primary answers a ScrapeRequest: the merged text, or why it could not. */
interface ScrapeAnswer {
  type: 'rapport:scraped';
  id: number;
  text?: string;
  error?: string;
}

/** The primary asks a worker for its own metrics. */
interface LocalMetricsRequest {
  type: 'rapport:local-metrics';
  id: number;
}

interface LocalMetricsAnswer {
  type: 'rapport:local-metrics';
  id: number;
  metrics: LocalMetrics;
}

type ClusterMessage = ScrapeRequest | ScrapeAnswer | LocalMetricsRequest | LocalMetricsAnswer;

function isClusterMessage(message: unknown): message is ClusterMessage {
  return typeof message === 'object' && message !== null && String((message as { type?: unknown }).type).startsWith('rapport:');
}

/** How long a scrape waits for the processes' answers; a process that has not answered by then is left out of it. */
export const SCRAPE_TIMEOUT_MS = 5_000;

/**
 * In a cluster's worker: answers the primary's requests for this process's metrics, and asks the primary for the
 * cluster's.
 */
export class ClusterMetricsClient {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();

  constructor(private readonly registry: Registry) {
    process.on('message', (message: unknown) => {
      if (!isClusterMessage(message)) return;
      if (message.type === 'rapport:local-metrics' && !('metrics' in message)) void this.answerLocal(message.id);
      else if (message.type === 'rapport:scraped') this.settle(message);
    });
  }

  /** The metrics of every serving process of the cluster, merged, in Prometheus text format. */
  scrape(): Promise<string> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error('the cluster primary did not answer the scrape'));
      }, 2 * SCRAPE_TIMEOUT_MS);
      this.pending.set(id, {
        resolve: (text) => (clearTimeout(timer), resolve(text)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
      process.send!({ type: 'rapport:scrape', id } satisfies ScrapeRequest);
    });
  }

  private async answerLocal(id: number): Promise<void> {
    const metrics = await this.registry.getMetricsAsJSON();
    process.send!({ type: 'rapport:local-metrics', id, metrics } satisfies LocalMetricsAnswer);
  }

  private settle(answer: ScrapeAnswer): void {
    const waiting = this.pending.get(answer.id);
    if (!waiting) return;
    this.pending.delete(answer.id);
    if (answer.text !== undefined) waiting.resolve(answer.text);
    else waiting.reject(new Error(answer.error ?? 'the cluster primary could not gather the metrics'));
  }
}

/** In a cluster's primary: answers the workers' scrapes with the merged metrics of the workers serving. */
export class ClusterMetricsAggregator {
  private nextId = 0;
  private readonly gathering = new Map<number, { answers: LocalMetrics[]; waitingFor: Set<Worker>; done: () => void }>();

  constructor(
    /** The workers to ask: those serving at the time of the scrape. */
    private readonly serving: () => Iterable<Worker>,
    private readonly warn: (message: string) => void,
  ) {
    cluster.on('message', (worker, message: unknown) => {
      if (!isClusterMessage(message)) return;
      if (message.type === 'rapport:scrape') void this.answerScrape(worker, message.id);
      else if (message.type === 'rapport:local-metrics' && 'metrics' in message) this.received(worker, message);
    });
    // A worker that ends during a scrape will not answer it.
    cluster.on('exit', (worker) => {
      for (const round of this.gathering.values()) if (round.waitingFor.delete(worker) && round.waitingFor.size === 0) round.done();
    });
  }

  private async answerScrape(asking: Worker, requestId: number): Promise<void> {
    let answer: ScrapeAnswer;
    try {
      answer = { type: 'rapport:scraped', id: requestId, text: await this.gather() };
    } catch (error) {
      answer = { type: 'rapport:scraped', id: requestId, error: (error as Error).message };
    }
    if (asking.isConnected()) asking.send(answer);
  }

  /** Every serving worker's metrics, merged; those that have not answered within SCRAPE_TIMEOUT_MS are left out. */
  async gather(): Promise<string> {
    const id = this.nextId++;
    const waitingFor = new Set([...this.serving()].filter((worker) => worker.isConnected()));
    const answers: LocalMetrics[] = [];
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.warn(`metrics scrape: ${waitingFor.size} process(es) did not answer within ${SCRAPE_TIMEOUT_MS} ms and are left out`);
        resolve();
      }, SCRAPE_TIMEOUT_MS);
      const done = () => (clearTimeout(timer), resolve());
      this.gathering.set(id, { answers, waitingFor, done });
      if (waitingFor.size === 0) done();
      for (const worker of waitingFor) worker.send({ type: 'rapport:local-metrics', id } satisfies LocalMetricsRequest);
    });
    this.gathering.delete(id);
    return AggregatorRegistry.aggregate(answers).metrics();
  }

  private received(worker: Worker, answer: LocalMetricsAnswer): void {
    const round = this.gathering.get(answer.id);
    if (!round || !round.waitingFor.delete(worker)) return;
    round.answers.push(answer.metrics);
    if (round.waitingFor.size === 0) round.done();
  }
}
