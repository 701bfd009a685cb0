// A relay thread that fails as it starts: says so to its parent, then exits with code 3 (relay-thread.int-spec.ts).
import { parentPort } from 'node:worker_threads';

parentPort!.postMessage({ level: 'warn', message: 'exiting at once' });
process.exit(3);
