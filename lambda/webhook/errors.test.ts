import { describe, expect, it } from 'vitest';
import { failureClassOf, MirrorError } from '../errors.js';
import { badRequest, jsonKind, quote, unauthorized, WebhookRejectedError } from './errors.js';

describe('WebhookRejectedError', () => {
  it('is a permanent MirrorError carrying status, public message and log reason apart', () => {
    const error = unauthorized('timestamp too old');
    expect(error).toBeInstanceOf(MirrorError);
    expect(error).toBeInstanceOf(WebhookRejectedError);
    expect(error.name).toBe('WebhookRejectedError');
    expect(error.status).toBe(401);
    expect(error.code).toBe('WEBHOOK_UNAUTHORIZED');
    expect(error.reason).toBe('timestamp too old');
    expect(error.publicMessage).toBe('webhook verification failed');
    expect(error.publicMessage).not.toContain('timestamp');
    expect(error.message).toBe('webhook rejected with 401: timestamp too old');
    expect(failureClassOf(error)).toBe('permanent');
    expect(error.transient).toBe(false);
  });

  it.each([
    [400, 'WEBHOOK_INVALID', 'invalid webhook payload'],
    [413, 'WEBHOOK_TOO_LARGE', 'webhook payload too large'],
    [415, 'WEBHOOK_UNSUPPORTED_MEDIA_TYPE', 'unsupported webhook content type'],
  ] as const)('gives %i the code %s and a generic public message', (status, code, publicMessage) => {
    const error = new WebhookRejectedError(status, 'precise reason');
    expect(error.code).toBe(code);
    expect(error.publicMessage).toBe(publicMessage);
  });

  it('keeps the cause of a 400', () => {
    const cause = new SyntaxError('bad json');
    const error = badRequest('body is not valid JSON', cause);
    expect(error.status).toBe(400);
    expect(error.cause).toBe(cause);
    expect(unauthorized('x').cause).toBeUndefined();
  });
});

describe('quote', () => {
  it('escapes control characters and quotes, so a reason stays one log line', () => {
    expect(quote('a"b\nc')).toBe('"a\\"b\\nc"');
  });

  it('cuts long values short', () => {
    expect(quote('x'.repeat(300))).toBe(JSON.stringify(`${'x'.repeat(80)}…`));
    expect(quote('abcdef', 3)).toBe('"abc…"');
  });
});

describe('jsonKind', () => {
  it.each([
    [null, 'null'],
    [[1], 'array'],
    [{}, 'object'],
    [1, 'number'],
    ['s', 'string'],
    [true, 'boolean'],
    [undefined, 'undefined'],
  ])('names %j as %s', (value, kind) => {
    expect(jsonKind(value)).toBe(kind);
  });
});
