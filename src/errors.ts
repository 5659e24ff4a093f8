/**
 * Failures a seller sees, each with its status and a message they can act on.
 * The error handler in app.ts maps these to a page in one place; anything else is a 500 with a generic page.
 */
export class SellerError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
    readonly title: string,
    readonly action?: { href: string; label: string; method?: 'get' | 'post' },
  ) {
    super(message);
  }
}

export class NotConnectedError extends SellerError {
  constructor() {
    super('Connect your Sonlet account to see your inventory.', 409, 'Sonlet is not connected', {
      href: '/connect/sonlet',
      label: 'Connect Sonlet',
    });
  }
}

export class NeedsReconnectError extends SellerError {
  constructor() {
    super(
      'Sonlet no longer accepts the console’s access. Reconnect to continue; nothing in the console was lost.',
      409,
      'Reconnect Sonlet',
      { href: '/connect/sonlet', label: 'Reconnect Sonlet' },
    );
  }
}

export class ProviderUnavailableError extends SellerError {
  constructor(provider: string, detail: string, statusCode: 502 | 504 = 502) {
    super(`${provider} ${detail}. Your data is safe; try again in a moment.`, statusCode, `${provider} is not answering`);
  }
}

export class NotFoundError extends SellerError {
  constructor(what: string) {
    super(`${what} was not found. It may have been removed, or it belongs to another account.`, 404, 'Not found');
  }
}

export class BadRequestError extends SellerError {
  constructor(message: string, statusCode = 400) {
    super(message, statusCode, 'Something is wrong with that request');
  }
}
