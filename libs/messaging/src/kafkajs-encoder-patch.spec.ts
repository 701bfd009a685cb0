/**
 * patches/kafkajs+2.2.4.patch: kafkajs's Encoder takes its buffers from Node's pool, uninitialised, writes varints in
 * place (int32 varlongs without Long) and a record's headers into the record's own encoder; the record batch's CRC-32C
 * goes eight bytes a step; the keys' murmur2 is computed in 32-bit arithmetic and a send's messages grouped by
 * partition without copies; a record's headers are decoded into one object. These check that the installed kafkajs is
 * the patched one (postinstall ran), that no stale byte of the pool reaches an encoded record batch, that records
 * decode to what was encoded across the varints' sizes, the CRC against the standard's check values and a bitwise
 * reference, murmur2 against the Java client's test vectors, and the decoded headers. Produce and consume through a
 * real broker are in kafkajs-message-bus.int-spec.ts and the e2e suites.
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
  headers: Record<string, Buffer | Buffer[]>;
  timestamp: string;
  offset: string;
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

  it('encodes records that decode to their timestamps, offsets, keys, values and headers across the varints sizes', async () => {
    const firstTimestamp = 1_700_000_000_000;
    // Deltas within int32 take the varint path, the others Long's: both sides of each boundary.
    const deltas = [0, 1, -1, 63, 64, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, 2 ** 40];
    // Lengths on both sides of a varint's 1-, 2- and 3-byte boundaries.
    const lengths = [0, 63, 64, 127, 128, 8191, 8192, 16383, 16384];
    const messages = deltas.map((timestampDelta, i) => ({
      offsetDelta: i * 100,
      timestampDelta,
      key: i === 0 ? null : `k${i}`,
      value: i === 1 ? null : 'v'.repeat(lengths[i % lengths.length]),
      headers: i === 2 ? {} : { one: 'é'.repeat(lengths[(i + 3) % lengths.length]), many: ['a', 'bb'] },
    }));
    dirtyThePool(0x55);
    const batch = await RecordBatch({
      firstTimestamp,
      maxTimestamp: firstTimestamp + 2 ** 40,
      lastOffsetDelta: (messages.length - 1) * 100,
      records: messages.map((m) => Record(m)),
    });
    const { records } = await decodeRecordBatch(new Decoder(Buffer.from(batch.buffer)));
    expect(
      records.map((r) => ({
        offset: r.offset,
        timestamp: r.timestamp,
        key: r.key?.toString() ?? null,
        value: r.value?.toString() ?? null,
        headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : v.toString()])),
      })),
    ).toEqual(
      messages.map((m) => ({
        offset: String(m.offsetDelta),
        timestamp: String(firstTimestamp + m.timestampDelta),
        key: m.key,
        value: m.value,
        headers: m.headers,
      })),
    );
  });
});

describe("kafkajs's record decoder, as patched", () => {
  it("gives a record's headers as the unpatched one did: repeated keys as arrays, a __proto__ key as a property", async () => {
    const withProto: Record<string, string> = { 'rapport-event-id': 'e-1' };
    Object.defineProperty(withProto, '__proto__', { value: 'p', enumerable: true, writable: true, configurable: true });
    const batch = await RecordBatch({
      firstTimestamp: 1_700_000_000_000,
      maxTimestamp: 1_700_000_000_000,
      lastOffsetDelta: 1,
      records: [
        Record({ key: 'k', value: 'v', headers: { solo: 'x', repeated: ['a', 'b', 'c'] } }),
        Record({ offsetDelta: 1, key: 'k', value: 'v', headers: withProto }),
      ],
    });
    const { records } = await decodeRecordBatch(new Decoder(Buffer.from(batch.buffer)));
    const text = (v: Buffer | Buffer[]) => (Array.isArray(v) ? v.map(String) : v.toString());
    expect(Object.entries(records[0].headers).map(([k, v]) => [k, text(v)])).toEqual([
      ['solo', 'x'],
      ['repeated', ['a', 'b', 'c']],
    ]);
    expect(Object.getPrototypeOf(records[1].headers)).toBe(Object.prototype);
    expect(Object.keys(records[1].headers)).toEqual(['rapport-event-id', '__proto__']);
    // (The __proto__ header's value is what the unpatched reduce made of it: the prototype it read, then the value.)
    expect(text(records[1].headers['rapport-event-id'])).toBe('e-1');
  });
});

const murmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (key: string | Buffer) => number;
const groupMessagesPerPartition = require('kafkajs/src/producer/groupMessagesPerPartition') as (args: {
  topic: string;
  partitionMetadata: Array<{ partitionId: number; leader: number }>;
  messages: Array<{ key: string }>;
  partitioner: (args: { message: { key: string } }) => number;
}) => Record<string, Array<{ key: string }>>;

describe("kafkajs's producer, as patched", () => {
  it("hashes keys as the Java client's murmur2 does (its test vectors), so that an account's messages keep Java's partition", () => {
    // Apache Kafka's UtilsTest.testMurmur2.
    const javaVectors: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    expect(javaVectors.map(([key]) => murmur2(key))).toEqual(javaVectors.map(([, hash]) => hash));
  });

  it("groups a send's messages by partition, each partition's in their order", () => {
    const messages = Array.from({ length: 200 }, (_, i) => ({ key: `k${i}` }));
    const groups = groupMessagesPerPartition({
      topic: 't',
      partitionMetadata: [0, 1, 2].map((partitionId) => ({ partitionId, leader: 1 })),
      messages,
      partitioner: ({ message }) => Number(message.key.slice(1)) % 3,
    });
    expect(Object.keys(groups)).toEqual(['0', '1', '2']);
    for (const partition of [0, 1, 2])
      expect(groups[partition].map((m) => m.key)).toEqual(messages.filter((_, i) => i % 3 === partition).map((m) => m.key));
  });
});

/** CRC-32C (Castagnoli) a bit at a time: the definition, against which the patched table-driven one is checked. */
function bitwiseCrc32C(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe("kafkajs's CRC-32C, as patched", () => {
  it("gives the standard's check values", () => {
    expect(crc32C(Buffer.from('123456789'))).toBe(0xe3069283);
    // RFC 3720 (iSCSI), appendix B.4.
    expect(crc32C(Buffer.alloc(32, 0))).toBe(0x8a9136aa);
    expect(crc32C(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    expect(crc32C(Buffer.from(Array.from({ length: 32 }, (_, i) => i)))).toBe(0x46dd794e);
    expect(crc32C(Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)))).toBe(0x113fdb5c);
  });

  it('agrees with the bitwise definition on every length up to 100 and on views that do not start at 8-byte offsets', () => {
    const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + (i >> 3)) & 0xff));
    for (let length = 0; length <= 100; length++) expect(crc32C(bytes.subarray(0, length))).toBe(bitwiseCrc32C(bytes.subarray(0, length)));
    for (const start of [1, 3, 5, 7]) expect(crc32C(bytes.subarray(start))).toBe(bitwiseCrc32C(bytes.subarray(start)));
  });
});
