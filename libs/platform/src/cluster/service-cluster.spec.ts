import { availableParallelism } from 'node:os';
import { processCount } from './service-cluster';

describe('processCount', () => {
  it('is one when unset, the number given, or one per core for auto', () => {
    expect(processCount(undefined)).toBe(1);
    expect(processCount('')).toBe(1);
    expect(processCount('3')).toBe(3);
    expect(processCount('auto')).toBe(availableParallelism());
  });
});
