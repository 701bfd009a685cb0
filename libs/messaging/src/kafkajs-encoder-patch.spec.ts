/**
 * patches/kafkajs+2.2.4.patch: kafkajs's Encoder takes its buffers from Node's pool, uninitialised. These check that
 * the installed kafkajs is the patched one (postinstall ran) and that no stale byte of the pool reaches an encoded
 * record batch. Produce and consume through a real broker are in kafkajs-message-bus.int-spec.ts and the e2e suites.
 */
/* eslint-disable @typescript-eslint/no-require-imports */

interface KafkajsEncoder {
  buf: Buffer;
  buffer: Buffer;
}
interface KafkajsDecoder {
  readInt64(): { toString(): string };
}
interface DecodedRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
}

const Encoder = require('kafkajs/src/protocol/encoder') as new (initialSize?: number) => KafkajsEncoder;
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => KafkajsDecoder;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch: (batch: object) => Promise<KafkajsEncoder> };
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (record: object) => KafkajsEncoder;
const decodeRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (
  decoder: KafkajsDecoder,
) => Promise<{ records: DecodedRecord[] }>;
const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C') as (buffer: Buffer) => number;

/** Fills Node's allocation pool with `byte`, so that an uninitialised byte handed out afterwards shows. */
function dirtyThePool(byte: number): void {
  for (let i = 0; i < 64; i++) Buffer.allocUnsafe(1024).fill(byte);
}

describe("kafkajs's Encoder, as patched", () => {
  it("takes its buffers from Node's pool (the patch is installed)", () => {
    const encoder = new Encoder();
    expect(encoder.buf.length).toBe(512);
    // Buffer.alloc, unpatched, gives a 512-byte buffer its own ArrayBuffer; allocUnsafe slices the shared pool's.
    expect(encoder.buf.buffer.byteLength).toBe(Buffer.poolSize);
  });

  it('encodes a record batch that decodes to its records, with a CRC over exactly its bytes', async () => {
    const messages = [
      {
        key: 'account-a',
        value: JSON.stringify({ type: 'HealthChanged', score: 61 }),
        headers: { 'rapport-event-id': 'e-1', 'rapport-event-type': 'HealthChanged' },
      },
      { key: 'account-b', value: 'x'.repeat(700), headers: { 'rapport-event-id': 'e-2', 'rapport-event-type': '' } },
      { key: 'account-c', value: 'é€𝄞', headers: {} },
    ];
    dirtyThePool(0xaa);
    const batch = await RecordBatch({
      firstTimestamp: 1_700_000_000_000,
      maxTimestamp: 1_700_000_000_000,
      lastOffsetDelta: messages.length - 1,
      records: messages.map((m, offsetDelta) => Record({ offsetDelta, ...m })),
    });
    const bytes = Buffer.from(batch.buffer);
    // FirstOffset (8) Length (4) PartitionLeaderEpoch (4) Magic (1) CRC (4): the CRC covers everything after it.
    expect(bytes.readInt32BE(8)).toBe(bytes.length - 12);
    expect(bytes.readUInt32BE(17)).toBe(crc32C(bytes.subarray(21)));

    const { records } = await decodeRecordBatch(new Decoder(bytes));
    expect(
      records.map((r) => ({
        key: r.key?.toString(),
        value: r.value?.toString(),
        headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, v.toString()])),
      })),
    ).toEqual(messages);
  });
});
