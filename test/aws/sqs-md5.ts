// SQS's digests of a message body and of its message attributes, as SQS computes them:
// the SDK rejects a response whose body digest does not match what it sent.
import { createHash } from 'node:crypto';

export interface SqsAttributeValue {
  DataType: string;
  StringValue?: string;
  /** Base64 on the JSON wire. */
  BinaryValue?: string;
}

export function md5Hex(data: string | Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

/**
 * Attributes sorted by name; each as length-prefixed name and data type (4-byte
 * big-endian lengths, UTF-8), one transport byte (1 string/number, 2 binary),
 * then the length-prefixed value bytes.
 */
export function md5OfMessageAttributes(attributes: Record<string, SqsAttributeValue>): string {
  const parts: Buffer[] = [];
  for (const name of Object.keys(attributes).sort()) {
    const attribute = attributes[name];
    if (attribute === undefined) continue;
    parts.push(lengthPrefixed(Buffer.from(name, 'utf8')), lengthPrefixed(Buffer.from(attribute.DataType, 'utf8')));
    if (attribute.BinaryValue !== undefined) {
      parts.push(Buffer.from([2]), lengthPrefixed(Buffer.from(attribute.BinaryValue, 'base64')));
    } else {
      parts.push(Buffer.from([1]), lengthPrefixed(Buffer.from(attribute.StringValue ?? '', 'utf8')));
    }
  }
  return md5Hex(Buffer.concat(parts));
}

function lengthPrefixed(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}
