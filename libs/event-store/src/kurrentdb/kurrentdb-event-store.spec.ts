import { NO_STREAM } from '@kurrent/kurrentdb-client';
import { describeEventStoreContract } from '../testing/event-store.contract';
import { claimStream, expectedStateFor, isClaimStream, KurrentDbEventStore, recordedFrom } from './kurrentdb-event-store';

describe('KurrentDbEventStore mapping', () => {
  it('maps versions to expected states and names claim streams apart from account streams', () => {
    expect(expectedStateFor(-1)).toBe(NO_STREAM);
    expect(expectedStateFor(41)).toBe(41n);
    expect(claimStream('6f1c…')).toBe('rapport-event-id-6f1c…');
    expect(isClaimStream(claimStream('x'))).toBe(true);
    expect(isClaimStream('account-acme')).toBe(false);
  });

  it("reads a KurrentDB record as the port's recorded event, the schema version out of the metadata", () => {
    const created = new Date('2026-01-01T00:00:00Z');
    const event = recordedFrom({
      event: {
        id: 'a7f0c6d8-1b2e-4c3d-9e8f-0a1b2c3d4e5f',
        type: 'AccountOpened',
        data: { name: 'Acme' },
        metadata: { accountId: 'acme', schemaVersion: 1 },
        streamId: 'account-acme',
        revision: 3n,
        position: { commit: 900n, prepare: 812n },
        created,
        isJson: true,
      },
    } as never);
    expect(event).toEqual({
      eventId: 'a7f0c6d8-1b2e-4c3d-9e8f-0a1b2c3d4e5f',
      type: 'AccountOpened',
      data: { name: 'Acme' },
      metadata: { accountId: 'acme' },
      schemaVersion: 1,
      streamId: 'account-acme',
      version: 3,
      globalPosition: 812,
      recordedAt: created,
    });
  });
});

// The same contract as PostgreSQL and in-memory, against a real server: EVENTSTORE_URL=kurrentdb://localhost:2113?tls=false
const url = process.env.EVENTSTORE_URL;
if (url) {
  describeEventStoreContract(
    'KurrentDbEventStore',
    async () => {
      const stores: KurrentDbEventStore[] = [];
      const open = () => {
        const store = new KurrentDbEventStore(url, { idleWaitMs: 50 });
        stores.push(store);
        return store;
      };
      return {
        store: open(),
        otherWriter: async () => open(),
        cleanup: async () => void (await Promise.all(stores.map((s) => s.close()))),
      };
    },
    { hashChain: false },
  );
}
