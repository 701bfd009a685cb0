import { INestApplication } from '@nestjs/common';

/**
 * Runs the app until SIGINT or SIGTERM, then closes it (hooks finish the work in hand), runs `after`, and exits
 * 0; 1 if closing failed. Nest's own shutdown hooks would re-raise the signal and end the process "killed".
 */
export function runUntilSignal(app: INestApplication, after: () => Promise<void> = async () => undefined): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    try {
      await app.close();
      await after();
      process.exit(0);
    } catch (error) {
      console.error('shutdown failed', error);
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
