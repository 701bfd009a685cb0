#!/usr/bin/env node
import { Command } from 'commander';
import { ApiClient, ApiError } from './api-client';
import { exportCommand, verifyCommand } from './audit.command';
import { backtestCommand } from './backtest.command';
import { importCommand, InputError } from './import.command';
import { keysCommand } from './keys.command';

/**
 * `rapport`: the platform from the command line, over its HTTP API (`--url`/RAPPORT_URL, `--key`/RAPPORT_KEY).
 * Exit codes: 0 done; 1 refused, failed or misused (the API's problem, or the usage error, printed to stderr).
 */
const program = new Command('rapport')
  .description('Rapport from the command line, over its HTTP API')
  .option('--url <url>', 'the API', process.env.RAPPORT_URL ?? 'http://localhost:3000')
  .option('--key <secret>', 'the credential (default: RAPPORT_KEY)')
  .option('--json', 'print JSON instead of text', false)
  .showHelpAfterError();

const globals = () => program.opts<{ url: string; key?: string; json: boolean }>();
const client = () => new ApiClient(globals().url, globals().key ?? process.env.RAPPORT_KEY);
const output = () => ({ json: globals().json, print: (line: string) => void process.stdout.write(`${line}\n`) });
program.addCommand(keysCommand(client, output));
program.addCommand(importCommand(client, output));
program.addCommand(exportCommand(client));
program.addCommand(verifyCommand(client, output));
program.addCommand(backtestCommand(client, output));

program.parseAsync(process.argv).catch((error: unknown) => {
  const known = error instanceof ApiError || error instanceof InputError || (error as NodeJS.ErrnoException).code === 'ENOENT';
  process.stderr.write(`${known ? (error as Error).message : String(error)}\n`);
  process.exit(1);
});
