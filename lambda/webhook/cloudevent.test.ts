import { describe, expect, it } from 'vitest';
import { parseCloudEvent } from './cloudevent.js';
import { WebhookRejectedError } from './errors.js';

const ROOT_EVENT = {
  specversion: '1.0',
  type: 'io.root.cr.image.created.v1',
  source: 'https://cr.root.io',
  id: 'evt_123',
  time: '2026-11-25T09:00:00Z',
  subject: 'cr.root.io/library/nginx:1.25.4-amd64-root',
  datacontenttype: 'application/json',
  data: { image_repo: 'library/nginx', image_tag: '1.25.4-amd64-root', arch: 'amd64' },
};

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

/** The 400 reason of a body that must be refused. */
function rejection(body: Buffer): string {
  try {
    parseCloudEvent(body);
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookRejectedError);
    expect((error as WebhookRejectedError).status).toBe(400);
    return (error as WebhookRejectedError).reason;
  }
  throw new Error('expected the body to be rejected');
}

describe('parseCloudEvent', () => {
  it("reads Root's event, keeping subject, time and data", () => {
    expect(parseCloudEvent(json(ROOT_EVENT))).toEqual({
      specversion: '1.0',
      type: 'io.root.cr.image.created.v1',
      source: 'https://cr.root.io',
      id: 'evt_123',
      time: '2026-11-25T09:00:00Z',
      subject: 'cr.root.io/library/nginx:1.25.4-amd64-root',
      data: ROOT_EVENT.data,
    });
  });

  it('leaves optional attributes out when they are absent or null', () => {
    const { subject: _s, time: _t, data: _d, ...minimal } = ROOT_EVENT;
    expect(parseCloudEvent(json(minimal))).toEqual({
      specversion: '1.0',
      type: ROOT_EVENT.type,
      source: ROOT_EVENT.source,
      id: ROOT_EVENT.id,
    });
    const nulls = parseCloudEvent(json({ ...minimal, subject: null, time: null, data: null }));
    expect(nulls).not.toHaveProperty('subject');
    expect(nulls).not.toHaveProperty('time');
    expect(nulls).not.toHaveProperty('data');
  });

  it('accepts a UTF-8 byte-order mark and surrounding whitespace', () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`\n ${JSON.stringify(ROOT_EVENT)} \n`)]);
    expect(parseCloudEvent(body).id).toBe('evt_123');
  });

  it.each([
    ['an empty body', Buffer.alloc(0), 'body is empty; expected a CloudEvents JSON object'],
    ['invalid JSON', Buffer.from('{"specversion":'), 'body is not valid JSON'],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), 'body is not valid UTF-8'],
    ['a JSON array', json([ROOT_EVENT]), 'body is a JSON array, not a CloudEvents object'],
    ['a JSON string', json('hello'), 'body is a JSON string, not a CloudEvents object'],
    ['JSON null', Buffer.from('null'), 'body is a JSON null, not a CloudEvents object'],
  ])('rejects %s', (_name, body, reason) => {
    expect(rejection(body)).toBe(reason);
  });

  it.each([
    [{ specversion: undefined }, 'specversion must be "1.0", got undefined'],
    [{ specversion: '0.3' }, 'specversion must be "1.0", got "0.3"'],
    [{ specversion: 1 }, 'specversion must be "1.0", got number'],
    [{ id: undefined }, 'id is missing'],
    [{ id: '' }, 'id is empty'],
    [{ id: 7 }, 'id must be a string, got number'],
    [{ source: null }, 'source is missing'],
    [{ source: {} }, 'source must be a string, got object'],
    [{ type: '' }, 'type is empty'],
    [{ type: ['a'] }, 'type must be a string, got array'],
    [{ subject: '' }, 'subject is empty'],
    [{ subject: 42 }, 'subject must be a string, got number'],
    [{ time: false }, 'time must be a string, got boolean'],
    [{ data: 'image' }, 'data must be a JSON object, got string'],
    [{ data: [1] }, 'data must be a JSON object, got array'],
  ])('rejects the attribute change %j', (change, reason) => {
    expect(rejection(json({ ...ROOT_EVENT, ...change }))).toBe(reason);
  });

  it('does not let a "__proto__" key in data reach any prototype', () => {
    const body = Buffer.from(`{"specversion":"1.0","id":"e","source":"s","type":"t","data":{"__proto__":{"polluted":true}}}`);
    const event = parseCloudEvent(body);
    expect(Object.getPrototypeOf(event.data)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('says the public message is generic while the reason is precise', () => {
    try {
      parseCloudEvent(Buffer.from('nope'));
    } catch (error) {
      expect((error as WebhookRejectedError).publicMessage).toBe('invalid webhook payload');
      expect((error as WebhookRejectedError).cause).toBeInstanceOf(SyntaxError);
    }
    expect.assertions(2);
  });
});
