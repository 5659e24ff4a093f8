import { describe, expect, it } from 'vitest';
import { Prisma } from '../src/generated/prisma/client.js';
import { backoffMs, describeFailure } from '../src/jobs/failure.js';
import { classifyUploadFailure, PhotoMissingError } from '../src/inventory/upload-task.js';
import { classifyPublishFailure, ConnectionChangedError } from '../src/plugboard/publish-task.js';
import { NeedsReconnectError, NotFoundError, ProviderUnavailableError } from '../src/errors.js';
import { SonletRejectedError } from '../src/sonlet/api-client.js';
import { PlugboardError } from '../src/plugboard/errors.js';
import { PlugboardFormatError } from '../src/plugboard/format.js';

describe('one failure classification', () => {
  it.each([
    ['Sonlet unreachable', new ProviderUnavailableError('Sonlet', 'could not be reached'), 'transient'],
    ['Sonlet silent past the timeout', new ProviderUnavailableError('Sonlet', 'did not answer in time', { timedOut: true }), 'outcome-unknown'],
    ['a thing that is gone', new NotFoundError('That item'), 'permanent'],
    ['a photo no longer stored', new PhotoMissingError(), 'permanent'],
    ['a connection changed since queuing', new ConnectionChangedError(), 'permanent'],
    ['a TypeError (a bug)', new TypeError("Cannot read properties of undefined (reading 'price')"), 'permanent'],
    ['a RangeError (a bug)', new RangeError('Invalid time value'), 'permanent'],
    ['a database hiccup', new Prisma.PrismaClientKnownRequestError('connection reset', { code: 'P1017', clientVersion: '7' }), 'transient'],
    ['a lost database connection (node-postgres)', Object.assign(new Error('terminating connection'), { code: '57P01' }), 'transient'],
    ['anything else', new Error('something odd'), 'transient'],
  ])('%s → %s', (_name, err, expected) => {
    expect(describeFailure(err).class).toBe(expected);
  });

  it('a seller-facing message for each; reconnecting ends with what to do next', () => {
    expect(describeFailure(new NeedsReconnectError())).toEqual({ class: 'permanent', message: expect.stringMatching(/Reconnect to continue.*Then press Retry\.$/) });
    expect(describeFailure(new TypeError('x is undefined')).message).not.toContain('undefined');
    expect(describeFailure(new Error('ECONNRESET 10.0.0.3:5432')).message).not.toContain('10.0.0.3');
  });

  it('uploads: what Sonlet refused stays refused, with Sonlet’s reason; everything else is the engine’s call', () => {
    expect(classifyUploadFailure(new SonletRejectedError(400, 'size_id: not a valid choice'))).toEqual({ class: 'permanent', message: 'Sonlet refused it: size_id: not a valid choice' });
    expect(classifyUploadFailure(new ProviderUnavailableError('Sonlet', 'answered 502'))).toBeNull();
  });

  it.each([
    ['no answer (network)', new PlugboardError('Could not reach Plugboard', { kind: 'network' }), 'outcome-unknown'],
    ['no answer in time', new PlugboardError('Plugboard did not answer in time', { kind: 'timeout' }), 'outcome-unknown'],
    ['a 503', new PlugboardError('Service unavailable', { status: 503 }), 'transient'],
    ['a 429', new PlugboardError('Too many requests', { status: 429 }), 'transient'],
    ['a 403', new PlugboardError('Permission denied: product.edit is required', { status: 403 }), 'permanent'],
    ['an unreadable answer', new PlugboardError('product without localId', { kind: 'protocol' }), 'permanent'],
  ])('publishing: Plugboard %s → %s', (_name, err, expected) => {
    expect(classifyPublishFailure(err)?.class).toBe(expected);
  });

  it('publishing: an item the mapping cannot express is permanent and says why; a bug falls through to the engine (permanent)', () => {
    const refused = classifyPublishFailure(new PlugboardFormatError('price "abc" is not a decimal'));
    expect(refused).toEqual({ class: 'permanent', message: 'This item cannot be sent to Plugboard: price "abc" is not a decimal.' });
    expect(classifyPublishFailure(new TypeError('boom'))).toBeNull();
    expect(describeFailure(new TypeError('boom')).class).toBe('permanent');
    expect(classifyPublishFailure(new PlugboardError('Permission denied', { status: 403 }))?.message).toBe('Plugboard answered: Permission denied');
  });

  it('backs off exponentially from the first delay, up to a ceiling', () => {
    const backoff = { firstDelayMs: 5000 };
    expect([1, 2, 3, 4].map((n) => backoffMs(n, backoff))).toEqual([5000, 10_000, 20_000, 40_000]);
    expect(backoffMs(30, backoff)).toBe(15 * 60_000);
    expect(backoffMs(3, { firstDelayMs: 1000, maxDelayMs: 3000 })).toBe(3000);
  });
});
