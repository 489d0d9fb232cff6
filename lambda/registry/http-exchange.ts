// One HTTP request and its answer, as both transports take and give them: the pooled
// keep-alive client (http.ts) and the direct blob download (direct-get.ts).
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

export interface HttpRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  /** A buffer, or a stream that is piped with backpressure and never buffered whole. */
  readonly body?: Buffer | Readable;
  /** The request fails when the connection is idle this long, while sending or receiving. */
  readonly idleTimeoutMs: number;
  /** Aborts the exchange, its upload and its response body. */
  readonly signal?: AbortSignal;
  /** A total deadline, however steadily bytes trickle in. */
  readonly deadline?: Deadline;
  /** A GET on a connection of its own, its body read straight off the socket (direct-get.ts): for large blobs. */
  readonly direct?: boolean;
}

export interface Deadline {
  /** Epoch milliseconds. */
  readonly at: number;
  /** The budget it came from, for the message. */
  readonly ms: number;
  /** `answer`: until the response body's last byte; `headers`: until the response headers (a blob download). */
  readonly covers: 'answer' | 'headers';
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Readable;
  readonly url: URL;
}
