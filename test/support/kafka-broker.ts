import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';

const ROOT = resolve(__dirname, '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'kafka-broker.sh');

/** Where scripts/kafka-broker.sh keeps its broker: its data, jars, pid and port files. */
export function kafkaHome(): string {
  return process.env.KAFKA_HOME ?? join(ROOT, '.kafka');
}

function brokerRunning(): boolean {
  const pidfile = join(kafkaHome(), 'broker.pid');
  if (!existsSync(pidfile)) return false;
  try {
    process.kill(Number(readFileSync(pidfile, 'utf8')), 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts scripts/kafka-broker.sh's broker unless one runs; returns its address, the address of its SASL/PLAIN
 * listener (user rapport, password rapport-test-secret), and whether this call started it.
 */
export function startKafkaBroker(): { brokers: string; saslBrokers: string; sslBrokers: string; sslCa: string; startedHere: boolean } {
  const already = brokerRunning();
  const result = spawnSync('bash', [SCRIPT, 'start'], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  if (result.status !== 0) {
    throw new Error(
      `The Kafka tests need a broker and scripts/kafka-broker.sh could not start one:\n${result.stderr || result.error?.message}\n` +
        'Install a JDK (17) and Maven so that the script can assemble Apache Kafka from Maven Central, ' +
        'or point the tests at a running broker with KAFKA_BROKERS=host:port.',
    );
  }
  const home = kafkaHome();
  const port = (name: string) => readFileSync(join(home, name), 'utf8').trim();
  return {
    brokers: result.stdout.trim().split('\n').pop()!,
    saslBrokers: `127.0.0.1:${port('broker.sasl-port')}`,
    sslBrokers: `127.0.0.1:${port('broker.ssl-port')}`,
    sslCa: join(home, 'broker-ca.pem'),
    startedHere: !already,
  };
}

export function stopKafkaBroker(): void {
  spawnSync('bash', [SCRIPT, 'stop'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
}

function portBindable(port: number): Promise<boolean> {
  return new Promise((answer) => {
    const server = createServer();
    server.unref();
    server.once('error', () => answer(false));
    server.listen(port, '127.0.0.1', () => server.close(() => answer(true)));
  });
}

/**
 * Four consecutive free ports (plaintext, controller, SASL, TLS) below Linux's ephemeral range (32768 and up). A port the OS
 * hands out, or its neighbours, can be taken by any outgoing connection while the broker is down, including the test's own
 * clients reconnecting to it: a restarted broker then fails to bind ("Address already in use").
 */
async function freePortBlock(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + 4 * Math.floor(Math.random() * 3_000);
    const free = await Promise.all([0, 1, 2, 3].map((offset) => portBindable(base + offset)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no block of four free ports between 20000 and 32000 on 127.0.0.1');
}

/** A broker of a test's own (its own directory and ports), for tests that stop and start it. */
export async function privateKafkaBroker(home: string) {
  const port = await freePortBlock();
  const env = {
    ...process.env,
    KAFKA_HOME: home,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(port + 1),
    KAFKA_SASL_PORT: String(port + 2),
    KAFKA_SSL_PORT: String(port + 3),
  };
  const run = (command: 'start' | 'stop') => {
    // Reuse the jars the shared broker already fetched.
    const result = spawnSync(
      'bash',
      [
        '-c',
        `mkdir -p "${home}" && [ -e "${home}/lib" ] || ln -s "${join(ROOT, '.kafka', 'lib')}" "${home}/lib"; bash "${SCRIPT}" ${command}`,
      ],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env,
        timeout: 180_000,
      },
    );
    if (result.status !== 0) throw new Error(`kafka-broker.sh ${command} failed: ${result.stderr}`);
    return result.stdout.trim();
  };
  return { brokers: `127.0.0.1:${port}`, start: () => run('start'), stop: () => run('stop') };
}
