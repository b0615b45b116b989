/**
 * Named errors of the dialer. The API maps them to HTTP in one place: validation → 400,
 * not found → 404, conflict (wrong campaign state) → 409.
 */
export class DialerError extends Error {
  override readonly name: string = 'DialerError';
}

/** Input that does not fit the schema; `problems` name the field (or row/column) and the rule broken. */
export class DialerValidationError extends DialerError {
  override readonly name = 'DialerValidationError';
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

export class CampaignNotFoundError extends DialerError {
  override readonly name = 'CampaignNotFoundError';
  constructor(readonly campaignId: string) {
    super(`campaign ${campaignId} does not exist`);
  }
}

/** The operation does not fit the campaign's current state (e.g. resume a stopped campaign). */
export class CampaignStateError extends DialerError {
  override readonly name = 'CampaignStateError';
  constructor(
    readonly campaignId: string,
    readonly state: string,
    readonly operation: string,
  ) {
    super(`cannot ${operation} campaign ${campaignId}: it is ${state}`);
  }
}
