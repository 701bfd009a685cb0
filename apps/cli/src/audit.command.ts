import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Command } from 'commander';
import { ChainBreak, ChainedContent, chainHash, ChainVerification, GENESIS_HASH } from '@rapport/event-store';
import { ApiClient } from './api-client';
import { InputError } from './import.command';
import { Output } from './keys.command';

/** `rapport export`: GET /v1/export to a file or standard output. */
export function exportCommand(client: () => ApiClient): Command {
  return new Command('export')
    .description('stored events as NDJSON, with positions, recordedAt, recordedBy and hashes (checkable with verify --file)')
    .option('--account <id>', "one account's events only")
    .option('--as-of <asOf>', 'what was recorded by then: an ISO instant or a global position')
    .option('--out <file>', 'write here instead of standard output')
    .action(async (options: { account?: string; asOf?: string; out?: string }) => {
      const query = new URLSearchParams();
      if (options.account) query.set('accountId', options.account);
      if (options.asOf) query.set('asOf', options.asOf);
      const response = await client().send('GET', `/v1/export${query.size > 0 ? `?${query.toString()}` : ''}`);
      const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
      const target: Writable = options.out ? createWriteStream(options.out) : process.stdout;
      await pipeline(body, target, { end: options.out !== undefined });
    });
}

/** `rapport verify`: the deployment's chain (GET /v1/audit/verify), or an export file, offline. Exit 1 when broken. */
export function verifyCommand(client: () => ApiClient, output: () => Output): Command {
  return new Command('verify')
    .description("check the log's hash chain (needs an admin key), or an export file offline with --file; exit 1 when broken")
    .option('--file <file>', 'an export (NDJSON from rapport export), checked here without the API')
    .action(async (options: { file?: string }) => {
      const verdict = options.file
        ? await verifyExport(options.file)
        : await client().request<ChainVerification>('GET', '/v1/audit/verify');
      const out = output();
      if (out.json) out.print(JSON.stringify(verdict));
      else if (verdict.ok) out.print(`intact: ${verdict.events} events, head at position ${verdict.head.position} (${verdict.head.hash})`);
      else out.print(describeBreak(verdict.firstBroken!, verdict.events));
      if (!verdict.ok) process.exitCode = 1;
    });
}

function describeBreak(broken: ChainBreak, intact: number): string {
  return [
    `BROKEN at position ${broken.position}${broken.eventId ? ` (event ${broken.eventId})` : ''}: ${broken.detail}`,
    ...(broken.expected !== null ? [`  expected hash ${broken.expected}`] : []),
    ...(broken.found !== null ? [`  found hash    ${broken.found}`] : []),
    `  the ${intact} events before it are intact`,
  ].join('\n');
}

/**
 * An export checked line by line: each line's hash is the SHA-256 of its RFC 8785 form without `hash`; where
 * positions follow each other (a whole-log export), each line's prevHash is the hash of the line before.
 */
export async function verifyExport(file: string): Promise<ChainVerification & { firstBroken?: ChainBreak }> {
  let events = 0;
  let previous: { position: number; hash: string } = { position: 0, hash: GENESIS_HASH };
  let lineNumber = 0;
  for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    lineNumber += 1;
    if (text.trim() === '') continue;
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new InputError(`${file} line ${lineNumber}: not JSON: not an export`);
    }
    const { hash, prevHash, recordedAt, ...content } = line as {
      hash: string;
      prevHash: string;
      recordedAt: string;
      globalPosition: number;
      eventId: string;
    } & Record<string, unknown>;
    if (typeof hash !== 'string' || typeof prevHash !== 'string' || typeof recordedAt !== 'string') {
      throw new InputError(`${file} line ${lineNumber}: no hash, prevHash or recordedAt: not an export`);
    }
    const broken = (expected: string, found: string, detail: string): ChainVerification => ({
      ok: false,
      events,
      head: previous,
      firstBroken: { eventId: content.eventId, position: content.globalPosition, expected, found, reason: 'hash_mismatch', detail },
    });
    if (content.globalPosition === previous.position + 1 && prevHash !== previous.hash) {
      return broken(previous.hash, prevHash, `line ${lineNumber}: prevHash is not the hash of the line before`);
    }
    const expected = chainHash({ ...(content as unknown as ChainedContent), recordedAt: new Date(recordedAt) }, prevHash);
    if (expected !== hash) return broken(expected, hash, `line ${lineNumber}: the content does not give the hash beside it`);
    events += 1;
    previous = { position: content.globalPosition, hash };
  }
  return { ok: true, events, head: previous };
}
