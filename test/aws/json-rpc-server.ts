// The wire half shared by the AWS stand-ins: AWS JSON 1.0/1.1 RPC over loopback HTTP,
// so the real SDK serializes, signs, parses errors and retries exactly as against AWS.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Params = Record<string, unknown>;

/** An error the service answers with; each stand-in shapes it for its protocol. */
export class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** One scripted failure: an error answer, or (`reset`) a dropped connection. */
export interface Fault {
  type?: string;
  status?: number;
  message?: string;
  /** How many consecutive calls of the operation fail; 1 by default. */
  times?: number;
  /** Destroy the socket instead of answering: the SDK sees a network error. */
  reset?: boolean;
}

export interface Call {
  readonly op: string;
  readonly params: Params;
  /** The scripted fault this call was answered with, if any. */
  readonly fault?: string;
}

export interface ErrorAnswer {
  body: Params;
  headers?: Record<string, string>;
}

export interface JsonRpcOptions {
  /** `X-Amz-Target` prefix, e.g. `AmazonSQS`. */
  targetPrefix: string;
  /** `1.0` or `1.1`: the Content-Type the SDK must send and we answer with. */
  jsonVersion: '1.0' | '1.1';
  handle(op: string, params: Params): unknown;
  errorAnswer(error: ServiceError): ErrorAnswer;
}

export interface JsonRpcServer {
  /** `http://127.0.0.1:PORT`, the value for `AWS_ENDPOINT_URL_<SERVICE>`. */
  readonly url: string;
  readonly port: number;
  /** Every request, failed ones included, in arrival order. */
  readonly calls: Call[];
  callsTo(op: string): Call[];
  failNext(op: string, fault: Fault): void;
  close(): Promise<void>;
}

export async function startJsonRpcServer(options: JsonRpcOptions): Promise<JsonRpcServer> {
  const contentType = `application/x-amz-json-${options.jsonVersion}`;
  const calls: Call[] = [];
  const faults = new Map<string, Array<Required<Pick<Fault, 'times'>> & Fault>>();

  const takeFault = (op: string): Fault | undefined => {
    const queue = faults.get(op);
    const fault = queue?.[0];
    if (!queue || !fault) return undefined;
    if (--fault.times <= 0) queue.shift();
    return fault;
  };

  const answer = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    const text = JSON.stringify(body ?? {});
    res.writeHead(status, {
      'content-type': contentType,
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': randomUUID(),
      ...headers,
    });
    res.end(text);
  };

  const answerError = (res: ServerResponse, error: ServiceError): void => {
    const { body, headers } = options.errorAnswer(error);
    answer(res, error.status, body, headers);
  };

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readBody(req);
    const target = header(req, 'x-amz-target');
    const op = target?.startsWith(`${options.targetPrefix}.`) ? target.slice(options.targetPrefix.length + 1) : undefined;
    // Reject what real AWS would reject, so protocol drift in the SDK shows up here.
    if (req.method !== 'POST' || req.url !== '/' || header(req, 'content-type') !== contentType || op === undefined) {
      answerError(res, new ServiceError('UnknownOperationException', `bad request: ${req.method} ${req.url} target=${target}`));
      return;
    }
    if (!header(req, 'authorization')?.startsWith('AWS4-HMAC-SHA256 Credential=')) {
      answerError(res, new ServiceError('MissingAuthenticationTokenException', 'Missing Authentication Token'));
      return;
    }
    let params: Params;
    try {
      params = raw.length === 0 ? {} : (JSON.parse(raw) as Params);
    } catch {
      answerError(res, new ServiceError('SerializationException', 'body is not JSON'));
      return;
    }
    const fault = takeFault(op);
    calls.push(fault ? { op, params, fault: fault.type ?? 'reset' } : { op, params });
    if (fault?.reset) {
      req.socket.destroy();
      return;
    }
    if (fault) {
      const type = fault.type ?? 'ServerException';
      answerError(res, new ServiceError(type, fault.message ?? `injected ${type}`, fault.status ?? 400));
      return;
    }
    try {
      answer(res, 200, await options.handle(op, params));
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      answerError(res, error);
    }
  };

  const server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      if (!res.headersSent) answerError(res, new ServiceError('InternalFailure', String(error), 500));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    calls,
    callsTo: (op) => calls.filter((call) => call.op === op),
    failNext(op, fault) {
      const queue = faults.get(op) ?? [];
      queue.push({ ...fault, times: fault.times ?? 1 });
      faults.set(op, queue);
    },
    close: () =>
      new Promise<void>((resolve) => {
        // The SDK keeps connections alive; drop them so close() does not wait for idle timeouts.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads a required string parameter, answering like AWS when it is missing. */
export function requireString(params: Params, name: string, errorType = 'InvalidParameterException'): string {
  const value = params[name];
  if (typeof value !== 'string' || value === '') {
    throw new ServiceError(errorType, `${name} is required`);
  }
  return value;
}

/** Epoch seconds, the JSON protocols' timestamp format. */
export const epochSeconds = (ms: number): number => ms / 1000;
