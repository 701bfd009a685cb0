#!/usr/bin/env node
import { Command } from 'commander';
import { ApiClient, ApiError } from './api-client';
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
program.addCommand(
  keysCommand(
    () => new ApiClient(globals().url, globals().key ?? process.env.RAPPORT_KEY),
    () => ({ json: globals().json, print: (line) => process.stdout.write(`${line}\n`) }),
  ),
);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`${error instanceof ApiError ? error.message : String(error)}\n`);
  process.exit(1);
});
