import { describeEventStoreContract } from '../testing/event-store.contract';
import { InMemoryEventStore } from './in-memory-event-store';

describeEventStoreContract(
  'InMemoryEventStore',
  async () => {
    const store = new InMemoryEventStore();
    return { store, otherWriter: async () => store, cleanup: () => store.close() };
  },
  { hashChain: true },
);
