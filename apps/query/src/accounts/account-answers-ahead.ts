import { Injectable, OnModuleInit } from '@nestjs/common';
import { AnswerAhead, AnswerCache } from '../answer-cache';
import { AccountQueries, healthAnswer, profileAnswer } from './account-queries';

/**
 * Hands the answer cache the accounts' profile and health answers to load ahead, as GET /v1/accounts/{id} and
 * GET /v1/accounts/{id}/health answer them from the read model (same functions, same URLs).
 */
@Injectable()
export class AccountAnswersAhead implements OnModuleInit {
  constructor(
    private readonly cache: AnswerCache,
    private readonly accounts: AccountQueries,
  ) {}

  onModuleInit(): void {
    const accounts = this.accounts;
    this.cache.answerAhead(async function* (limit: number): AsyncGenerator<AnswerAhead[]> {
      for await (const rows of accounts.recentAccounts(limit)) {
        yield rows.flatMap((row) => {
          const path = `/v1/accounts/${encodeURIComponent(row.account_id)}`;
          return [
            { url: path, accountId: row.account_id, body: profileAnswer(row) },
            { url: `${path}/health`, accountId: row.account_id, body: healthAnswer(row) },
          ];
        });
      }
    });
  }
}
