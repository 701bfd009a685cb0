import { Rejection } from '@rapport/domain';
import { EventsInvalid, EventsRejected, IngestShuttingDown, isPermanent, WritesKeptConflicting } from './ingest-errors';
import { ingestProblem } from './ingest-problems';

const notFound: Rejection = {
  type: 'AccountNotFound',
  code: 'account_not_found',
  accountId: 'x',
  field: 'accountId',
  message: 'account x has not been opened',
};
const ended: Rejection = { type: 'RuleBroken', code: 'contract_ended', field: 'data.effectiveDate', message: 'cannot amend contract c-1' };

describe('ingestProblem', () => {
  it('answers invalid items with 400 naming each field, with indexes for a batch only', () => {
    const errors = [{ index: 2, field: 'data.arr', message: 'must be ≥ 0' }];
    expect(ingestProblem(new EventsInvalid(errors, false))).toMatchObject({ status: 400, title: 'Invalid event', errors });
    expect(ingestProblem(new EventsInvalid(errors, true)).errors).toEqual([{ field: 'data.arr', message: 'must be ≥ 0' }]);
  });

  it('answers 404 when every rejection is an unopened account, and 409 as soon as a rule is broken', () => {
    expect(ingestProblem(new EventsRejected([{ index: 0, rejection: notFound }], true))).toMatchObject({
      status: 404,
      title: 'Unknown account',
      detail: notFound.message,
      errors: [{ field: 'accountId', code: 'account_not_found', message: notFound.message }],
    });
    const mixed = ingestProblem(
      new EventsRejected(
        [
          { index: 0, rejection: notFound },
          { index: 3, rejection: ended },
        ],
        false,
      ),
    );
    expect(mixed).toMatchObject({ status: 409, title: 'Account rule broken' });
    expect(mixed.errors).toEqual([
      { index: 0, field: 'accountId', code: 'account_not_found', message: notFound.message },
      { index: 3, field: 'data.effectiveDate', code: 'contract_ended', message: ended.message },
    ]);
  });

  it('answers conflicts and shutdown as worth another try', () => {
    expect(ingestProblem(new WritesKeptConflicting(20, true))).toMatchObject({
      status: 409,
      detail: expect.stringContaining('20 attempts'),
    });
    expect(ingestProblem(new IngestShuttingDown(true))).toMatchObject({ status: 503, title: 'Shutting down' });
    expect(isPermanent(new WritesKeptConflicting(20, true))).toBe(false);
    expect(isPermanent(new IngestShuttingDown(false))).toBe(false);
    expect(isPermanent(new EventsRejected([{ index: 0, rejection: ended }], true))).toBe(true);
  });
});
