/**
 * bench/pipeline: Kafka in to Kafka out through the services (ingest and projector as separate processes).
 * Every message is an AccountOpened of a new account, which raises exactly one ChurnRiskRaised (no data yet:
 * risk 50 + 10 for no interaction), so each inbound message has one outbound event to time.
 * Runs: (1) a paced load at --rate events/s for --seconds, end-to-end latency p50/p99 from the send to the outbound
 * event's arrival, after --warm-up seconds of the same load whose latency is printed apart; (2) a burst of --burst messages, throughput in to out, with the CPU each process spent an event of it
 * and the bound their sum sets on this machine. `npm run bench:pipeline`.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { eventIdFor } from '@rapport/domain';
import { KafkajsMessageBus, TOPICS } from '@rapport/messaging';
import { startService } from '../../test/support/service-process';
import { benchBroker } from '../support/bench-broker';
import { benchServer } from '../support/bench-database';
import { recordFigures } from '../support/bench-figures';
import { deleteTopics } from '../support/kafka-topics';
import { CpuBudget, localPostgres, processTree, thisProcess } from '../support/process-cpu';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    burst: { type: 'string', default: '10000' },
    'warm-up': { type: 'string', default: '2' },
  },
});

const CAUSE = '"causedBy":{"eventId":"';

/**
 * The id of the event that caused an outbound one. The relay sends jsonb's text, compacted, whose keys put `causedBy`'s
 * `eventId` first: found by position, the benchmark's consumer spends no CPU parsing each event whole, which it took
 * from the services it measures. Any other text is parsed.
 */
function causeOf(value: string): string | undefined {
  const at = value.indexOf(CAUSE);
  if (at >= 0 && value.charCodeAt(at + CAUSE.length + 36) === 0x22) return value.slice(at + CAUSE.length, at + CAUSE.length + 36);
  return (JSON.parse(value) as { causedBy?: { eventId?: string } }).causedBy?.eventId;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function main(): Promise<void> {
  const rate = Number(args.rate);
  const seconds = Number(args.seconds);
  const burst = Number(args.burst);
  const warmUpSeconds = Number(args['warm-up']);
  const broker = benchBroker();
  const server = await benchServer();
  const prefix = `bench${randomUUID().slice(0, 6)}.`;
  const env = {
    DATABASE_URL: await server.newDatabase('rapport_bench_pipeline'),
    KAFKA_BROKERS: broker.brokers,
    KAFKA_TOPIC_PREFIX: prefix,
  };
  const services = [await startService('ingest', env), await startService('projector', env)];
  const cpu = new CpuBudget([
    ...services.map((s) => processTree(s.name, s.child.pid!)),
    await localPostgres(env.DATABASE_URL),
    thisProcess('this benchmark (its Kafka clients)'),
    ...(broker.process ? [broker.process] : []),
  ]);
  const bus = new KafkajsMessageBus({ brokers: env.KAFKA_BROKERS, clientId: 'bench-pipeline' });
  console.log(
    `bench/pipeline: ${cpus().length} × ${cpus()[0].model}; Node ${process.version}; broker ${env.KAFKA_BROKERS} (Kafka 3.9.1, one KRaft node)`,
  );
  console.log(`database: ${server.description}`);
  try {
    const producer = await bus.producer();
    const sentAt = new Map<string, number>();
    const arrived = new Map<string, number>();
    // The ids of the phase under way not yet arrived: waiting on its size costs nothing, where scanning every id sent
    // each 20 ms took the benchmark's own CPU from the services it measures.
    let awaited = new Set<string>();
    // Wall-clock times too, to place each event's stages against the database's timestamps (same host, same clock).
    const sentAtWall = new Map<string, number>();
    const arrivedWall = new Map<string, number>();
    await bus.ensureTopics([{ name: prefix + TOPICS.accountHealth, partitions: 4 }]);
    const consumer = await bus.consume(
      { groupId: `bench-${randomUUID()}`, topic: prefix + TOPICS.accountHealth, partitionsConcurrently: 4 },
      async (messages) => {
        const now = performance.now();
        const wall = Date.now();
        for (const m of messages) {
          const cause = causeOf(m.value!);
          if (cause && !arrived.has(cause)) {
            arrived.set(cause, now);
            arrivedWall.set(cause, wall);
            awaited.delete(cause);
          }
        }
      },
    );
    const message = () => {
      const accountId = `p-${randomUUID().slice(0, 12)}`;
      const source = { system: 'bench', eventId: randomUUID() };
      return {
        id: eventIdFor(source),
        message: {
          key: accountId,
          value: JSON.stringify({
            type: 'AccountOpened',
            accountId,
            occurredAt: new Date().toISOString(),
            source,
            data: { name: accountId },
          }),
        },
      };
    };
    /** Until every id of the phase (`awaited`) has arrived, or the timeout. */
    const untilArrived = async (timeoutMs: number) => {
      const deadline = performance.now() + timeoutMs;
      while (awaited.size > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    };

    // Warm-up, not measured: the outbound consumer's group join and the first connections would otherwise count
    // as pipeline latency for the first messages.
    const warmUp = Array.from({ length: 50 }, message);
    awaited = new Set(warmUp.map((w) => w.id));
    warmUp.forEach((w) => sentAt.set(w.id, performance.now()));
    await producer.send(
      prefix + TOPICS.ingest,
      warmUp.map((w) => w.message),
    );
    await untilArrived(60_000);

    /** `rate` events a second in ticks of 20 ms, for `duration` seconds: the ids sent, and the rate offered. */
    const pace = async (duration: number) => {
      const ids: string[] = [];
      const tick = 20;
      const perTick = Math.max(1, Math.round((rate * tick) / 1000));
      const start = performance.now();
      for (let t = 0; performance.now() - start < duration * 1000; t++) {
        const batch = Array.from({ length: perTick }, message);
        const at = performance.now();
        const wall = Date.now();
        for (const b of batch) {
          sentAt.set(b.id, at);
          sentAtWall.set(b.id, wall);
          ids.push(b.id);
          awaited.add(b.id);
        }
        await producer.send(
          prefix + TOPICS.ingest,
          batch.map((b) => b.message),
        );
        const wait = start + (t + 1) * tick - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      return { ids, offered: ids.length / ((performance.now() - start) / 1000) };
    };
    const latenciesOf = (ids: readonly string[]) =>
      ids
        .filter((id) => arrived.has(id))
        .map((id) => arrived.get(id)! - sentAt.get(id)!)
        .sort((a, b) => a - b);

    // The paced load's first seconds, printed apart: in the services' first second at this rate every stage took
    // two to three times as long as later (most likely their hot code not yet optimised by V8), which in a 10-second
    // run made most of the p99.
    awaited = new Set();
    const warmUpRun = await pace(warmUpSeconds);
    await untilArrived(120_000);
    const warmUpLatencies = latenciesOf(warmUpRun.ids);

    // (1) paced, measured.
    awaited = new Set();
    const { ids: paced, offered } = await pace(seconds);
    await untilArrived(120_000);
    const latencies = latenciesOf(paced);

    // (2) burst.
    // Its messages are made before the clock starts: they are the load, not what the pipeline does with it.
    const burstMessages = Array.from({ length: burst }, message);
    const burstIds = burstMessages.map((b) => b.id);
    awaited = new Set(burstIds);
    const burstStart = performance.now();
    const burstStartWall = Date.now();
    cpu.start();
    for (let i = 0; i < burst; i += 500) {
      await producer.send(
        prefix + TOPICS.ingest,
        burstMessages.slice(i, i + 500).map((b) => b.message),
      );
    }
    await untilArrived(300_000);
    cpu.stop();
    const burstDone = Math.max(...burstIds.map((id) => arrived.get(id) ?? Infinity));
    await consumer.stop();
    await producer.disconnect();

    console.log(
      '\n| run | events | offered events/s | delivered | p50 ms | p99 ms | throughput events/s |\n|---|---:|---:|---:|---:|---:|---:|',
    );
    if (warmUpLatencies.length > 0) {
      console.log(
        `| warm-up (${warmUpSeconds} s, not in the paced figures) | ${warmUpRun.ids.length} | ${Math.round(warmUpRun.offered)} | ${warmUpLatencies.length} | ${percentile(warmUpLatencies, 50).toFixed(0)} | ${percentile(warmUpLatencies, 99).toFixed(0)} | |`,
      );
    }
    console.log(
      `| paced | ${paced.length} | ${Math.round(offered)} | ${latencies.length} | ${percentile(latencies, 50).toFixed(0)} | ${percentile(latencies, 99).toFixed(0)} | |`,
    );
    await printStages(env.DATABASE_URL, paced, sentAtWall, arrivedWall);
    await printBurstStages(env.DATABASE_URL, burstIds, burstStartWall, arrivedWall);
    const delivered = burstIds.filter((id) => arrived.has(id)).length;
    console.log(
      `| burst | ${burst} | | ${delivered} | | | ${Number.isFinite(burstDone) ? Math.round(burst / ((burstDone - burstStart) / 1000)) : 'not all delivered'} |`,
    );
    console.log(`\nBurst, ${cpu.report(burst)}`);
    recordFigures('pipeline', 'paced', { p99: percentile(latencies, 99), rate });
    // Not all delivered, the burst has no throughput: recorded without it, it is not judged.
    recordFigures('pipeline', 'burst', {
      events: burst,
      delivered,
      ...(Number.isFinite(burstDone) ? { eventsPerSecond: burst / ((burstDone - burstStart) / 1000) } : {}),
    });
  } finally {
    await bus.close();
    for (const service of services) await service.stop();
    await deleteTopics(env.KAFKA_BROKERS, prefix);
    await server.stop();
    broker.stop();
  }
}

/**
 * The events of `$1` (ids), each with the outbound event it caused (`o`) and the relayed batch that sent it (`r`: the
 * first whose last `seq` reaches the row's).
 */
const EVENTS_WITH_THEIR_OUTBOUND = `
  FROM rapport_events e JOIN rapport_outbox o ON o.payload->'causedBy'->>'eventId' = e.event_id::text
  LEFT JOIN LATERAL (SELECT sent_at FROM rapport_outbox_relayed WHERE up_to_seq >= o.seq ORDER BY up_to_seq LIMIT 1) r ON true
  WHERE e.event_id = ANY($1::uuid[])`;

/**
 * Where the paced run's latency goes: for each event, the time from its send to each stage, from the database's own
 * timestamps (recorded_at when the ingest's transaction took its position, the outbox row's created_at at the start of
 * the projector's transaction, the relayed batch's sent_at, recorded after the broker acknowledged), as percentiles.
 */
async function printStages(url: string, ids: string[], sentAtWall: Map<string, number>, arrivedWall: Map<string, number>): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; recorded: string; projected: string; relayed: string }>(
      `SELECT e.event_id AS id, extract(epoch FROM e.recorded_at) * 1000 AS recorded,
              extract(epoch FROM o.created_at) * 1000 AS projected, extract(epoch FROM r.sent_at) * 1000 AS relayed
         ${EVENTS_WITH_THEIR_OUTBOUND}`,
      [ids],
    );
    const stages = { recorded: [] as number[], projected: [] as number[], relayed: [] as number[], arrived: [] as number[] };
    for (const row of rows) {
      const sent = sentAtWall.get(row.id)!;
      stages.recorded.push(Number(row.recorded) - sent);
      stages.projected.push(Number(row.projected) - sent);
      stages.relayed.push(Number(row.relayed) - sent);
      if (arrivedWall.has(row.id)) stages.arrived.push(arrivedWall.get(row.id)! - sent);
    }
    console.log('\nPaced run, milliseconds from the send to each stage (wall clock, database timestamps):\n');
    console.log('| stage | p50 | p90 | p99 |\n|---|---:|---:|---:|');
    const labels: Record<keyof typeof stages, string> = {
      recorded: 'appended to the log (recorded_at)',
      projected: 'projector transaction began (outbox created_at)',
      relayed: 'relay recorded its batch (sent_at)',
      arrived: 'arrived at the consumer',
    };
    for (const [stage, values] of Object.entries(stages) as Array<[keyof typeof stages, number[]]>) {
      values.sort((a, b) => a - b);
      console.log(`| ${labels[stage]} | ${[50, 90, 99].map((p) => percentile(values, p).toFixed(0)).join(' | ')} |`);
    }
  } finally {
    await client.end();
  }
}

/** Where the burst's time goes: when each stage had done its last event, from the burst's first send. */
async function printBurstStages(url: string, ids: string[], startWall: number, arrivedWall: Map<string, number>): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ recorded: string; projected: string; relayed: string }>(
      `SELECT extract(epoch FROM max(e.recorded_at)) * 1000 AS recorded, extract(epoch FROM max(o.created_at)) * 1000 AS projected,
              extract(epoch FROM max(r.sent_at)) * 1000 AS relayed
         ${EVENTS_WITH_THEIR_OUTBOUND}`,
      [ids],
    );
    const arrived = Math.max(...ids.map((id) => arrivedWall.get(id) ?? -Infinity));
    const stages: Array<[string, number]> = [
      ['appended to the log (last recorded_at)', Number(rows[0].recorded)],
      ['projector transaction began (last outbox created_at)', Number(rows[0].projected)],
      ['relay recorded its batch (last sent_at)', Number(rows[0].relayed)],
      ['arrived at the consumer', arrived],
    ];
    console.log(`\nBurst of ${ids.length}, when each stage had its last event, from the first send:\n`);
    console.log('| stage | seconds | events/s |\n|---|---:|---:|');
    for (const [label, at] of stages) {
      const seconds = (at - startWall) / 1000;
      console.log(`| ${label} | ${seconds.toFixed(2)} | ${Math.round(ids.length / seconds)} |`);
    }
  } finally {
    await client.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
