import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { TEST_ADMIN_KEY } from './test-app';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (`dist/apps/cli/src/main.js`, as `rapport`) against `url` with the admin key, and collects what it printed. */
export function runCli(url: string, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['dist/apps/cli/src/main.js', ...args], {
      cwd: resolve(__dirname, '..', '..'),
      env: { ...process.env, RAPPORT_URL: url, RAPPORT_KEY: TEST_ADMIN_KEY, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}
