import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The standalone app records where its embedded PostgreSQL listens, beside the data directory, so that
 * commands such as `npm run rebuild` can work on the running platform instead of starting a second server.
 */
function serverFile(dataDir: string): string {
  return join(dirname(dataDir), 'embedded-server.json');
}

export function recordRunningServer(dataDir: string, url: string): void {
  writeFileSync(serverFile(dataDir), JSON.stringify({ url, pid: process.pid }));
}

export function forgetRunningServer(dataDir: string): void {
  rmSync(serverFile(dataDir), { force: true });
}

/** URL of the embedded server of a standalone app running on `dataDir`, if one is. */
export function runningServerUrl(dataDir: string): string | undefined {
  const file = serverFile(dataDir);
  if (!existsSync(file)) return undefined;
  try {
    const { url, pid } = JSON.parse(readFileSync(file, 'utf8')) as { url: string; pid: number };
    process.kill(pid, 0);
    return url;
  } catch {
    return undefined;
  }
}
