/** The account has never been opened (or its opening was retracted): every fact but `AccountOpened` is refused. */
export class AccountNotFoundError extends Error {
  readonly code = 'account_not_found';
  constructor(readonly accountId: string) {
    super(`account ${accountId} has not been opened: send AccountOpened first`);
    this.name = 'AccountNotFoundError';
  }
}

/** A rule of the account's state is broken, e.g. amending an ended contract. `code` is stable for clients. */
export class AccountRuleError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The field of the envelope the rule is about, e.g. `data.contractId`. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'AccountRuleError';
  }
}
