import { badRequest, jsonKind, quote } from './errors.js';

/** The parts of a structured-mode CloudEvents 1.0 event this project reads. */
export interface CloudEvent {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly subject?: string;
  readonly time?: string;
  /** The event payload; only JSON-object data is accepted, which is what Root sends. */
  readonly data?: Readonly<Record<string, unknown>>;
}

// `fatal` makes invalid UTF-8 an error instead of silently becoming U+FFFD.
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Parses a structured-mode CloudEvents 1.0 JSON body; anything else is a 400 WebhookRejectedError. */
export function parseCloudEvent(body: Buffer): CloudEvent {
  if (body.length === 0) throw badRequest('body is empty; expected a CloudEvents JSON object');
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch (error) {
    throw badRequest('body is not valid UTF-8', error);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw badRequest('body is not valid JSON', error);
  }
  if (!isObject(parsed)) throw badRequest(`body is a JSON ${jsonKind(parsed)}, not a CloudEvents object`);

  if (parsed.specversion !== '1.0') {
    const got = typeof parsed.specversion === 'string' ? quote(parsed.specversion) : jsonKind(parsed.specversion);
    throw badRequest(`specversion must be "1.0", got ${got}`);
  }
  const id = requiredString(parsed, 'id');
  const source = requiredString(parsed, 'source');
  const type = requiredString(parsed, 'type');
  const subject = optionalString(parsed, 'subject');
  const time = optionalString(parsed, 'time');
  const data = parsed.data ?? undefined;
  if (data !== undefined && !isObject(data)) throw badRequest(`data must be a JSON object, got ${jsonKind(data)}`);

  return {
    specversion: '1.0',
    id,
    source,
    type,
    ...(subject === undefined ? {} : { subject }),
    ...(time === undefined ? {} : { time }),
    ...(data === undefined ? {} : { data }),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requiredString(event: Record<string, unknown>, name: string): string {
  const value = event[name];
  if (value === undefined || value === null) throw badRequest(`${name} is missing`);
  if (typeof value !== 'string') throw badRequest(`${name} must be a string, got ${jsonKind(value)}`);
  if (value === '') throw badRequest(`${name} is empty`);
  return value;
}

// CloudEvents: an optional attribute, when present, must be a non-empty string; null means absent.
function optionalString(event: Record<string, unknown>, name: string): string | undefined {
  const value = event[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badRequest(`${name} must be a string, got ${jsonKind(value)}`);
  if (value === '') throw badRequest(`${name} is empty`);
  return value;
}
