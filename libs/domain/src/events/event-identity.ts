import { hash } from 'node:crypto';

/** Fixed namespace of Rapport's event ids (a random UUID chosen once; changing it would change every id). */
const RAPPORT_EVENT_NAMESPACE = '5b0a4a3e-7c2f-4d8e-9a51-2f6c1e0b7d94';

/**
 * The platform's id of an inbound fact, derived from its idempotency key (source.system, source.eventId).
 * Deriving it (UUID v5) rather than drawing it makes idempotency a property of the id itself:
 * any store that refuses a second event with the same id, PostgreSQL or KurrentDB, refuses a redelivery.
 */
export function eventIdFor(source: { system: string; eventId: string }): string {
  // The separator cannot occur in a source system name, so distinct keys never join to the same string.
  return uuidV5(`${source.system}/${source.eventId}`, RAPPORT_EVENT_NAMESPACE);
}

/**
 * RFC 9562 UUID v5 of `name` (UTF-8) in `namespace`, as the uuid library derives it (the spec checks that both agree),
 * with Node's one-shot hash: the library builds a Hash object and encodes the name in JavaScript, ~3.5 µs an id
 * against ~1. Inbound ids are derived at every event ingested, outbound ones at every change projected.
 */
export function uuidV5(name: string, namespace: string): string {
  const hex = hash('sha1', hashedBytes(name, namespaceBytes(namespace)));
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The namespace's bytes, then the name's, written into one buffer kept for the purpose (the hash reads them at
 * once, synchronously) rather than two buffers joined into a third: 0.49–0.54 µs an id against 0.62–0.69.
 */
const SCRATCH = Buffer.allocUnsafe(16 + 3 * 256);
let namespaceInScratch: Buffer | undefined;

function hashedBytes(name: string, namespace: Buffer): Buffer {
  // A UTF-16 code unit takes at most three bytes in UTF-8.
  if (16 + 3 * name.length > SCRATCH.length) return Buffer.concat([namespace, Buffer.from(name, 'utf8')]);
  if (namespaceInScratch !== namespace) {
    namespace.copy(SCRATCH, 0);
    namespaceInScratch = namespace;
  }
  return SCRATCH.subarray(0, 16 + SCRATCH.write(name, 16, 'utf8'));
}

const NAMESPACES = new Map<string, Buffer>();

function namespaceBytes(namespace: string): Buffer {
  let bytes = NAMESPACES.get(namespace);
  if (!bytes) {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(namespace)) {
      throw new Error(`not a UUID namespace: ${namespace}`);
    }
    bytes = Buffer.from(namespace.replace(/-/g, ''), 'hex');
    NAMESPACES.set(namespace, bytes);
  }
  return bytes;
}

export function accountStreamId(accountId: string): string {
  return `account-${accountId}`;
}

export function accountIdOfStream(streamId: string): string | undefined {
  return streamId.startsWith('account-') ? streamId.slice('account-'.length) : undefined;
}
