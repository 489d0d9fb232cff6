/**
 * Turns an error from an ECR API call into an EcrError that says whether a retry can help.
 *
 * Transient (the job is retried): throttling (ThrottlingException, LimitExceededException,
 * HTTP 429), server faults (ServerException, any 5xx), network errors and timeouts, expired
 * credentials, a repository that vanished under us (other than the base), and anything
 * unrecognised: a needless retry costs little, a dropped job costs an image, and
 * `failureClassOf` treats unknown errors the same way.
 *
 * Permanent (retrying cannot help until an operator acts): a missing base repository,
 * access denied (naming the IAM action), rejected credentials, invalid requests
 * (InvalidParameterException, ValidationException, tag errors), and KMS errors other than
 * throttling (a disabled key or a key policy denying ECR).
 *
 * Note that ECR also uses LimitExceededException for account quotas (e.g. the number of
 * repositories); those stay transient, are retried, and end in the dead-letter queue.
 */
import { MirrorError } from '../errors.js';
import { foreignCode, type ErrorCode, type ForeignErrorCode } from '../error-codes.js';
import { accessDenied, baseRepositoryMissing, EcrError } from './errors.js';

export interface EcrCallContext {
  /** The ECR API operation, e.g. `CreateRepository`. */
  operation: string;
  /** The repository the call is about, if any. */
  repository?: string;
  /** Set when `repository` is the base repository: its absence is then permanent. */
  isBaseRepository?: boolean;
}

/** What the SDK attaches to its errors; read defensively since anything can be thrown. */
interface AwsErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  kmsError?: unknown;
}

const THROTTLING = new Set(['ThrottlingException', 'LimitExceededException', 'TooManyRequestsException', 'Throttling', 'RequestLimitExceeded']);
const ACCESS_DENIED = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation']);
const CREDENTIALS_REJECTED = new Set(['UnrecognizedClientException', 'InvalidClientTokenId', 'MissingAuthenticationTokenException', 'InvalidSignatureException']);
const INVALID_REQUEST = new Set(['InvalidParameterException', 'ValidationException', 'InvalidTagParameterException', 'TooManyTagsException', 'SerializationException']);
const KMS_TRANSIENT = /Throttl|LimitExceeded|KMSInternal|DependencyTimeout|Unavailable/i;

export function classifyEcrError(error: unknown, context: EcrCallContext): MirrorError {
  if (error instanceof MirrorError) return error;
  const shape: AwsErrorShape = typeof error === 'object' && error !== null ? (error as AwsErrorShape) : {};
  const name = typeof shape.name === 'string' ? shape.name : 'Error';
  const detail = typeof shape.message === 'string' && shape.message !== '' ? shape.message : String(error);
  const status = typeof shape.$metadata?.httpStatusCode === 'number' ? shape.$metadata.httpStatusCode : undefined;
  const { operation } = context;
  const target = context.repository === undefined ? 'the registry' : `repository "${context.repository}"`;
  const failure = (failureClass: 'transient' | 'permanent', code: ErrorCode | ForeignErrorCode = foreignCode(name)): EcrError =>
    new EcrError(`ECR ${operation} failed for ${target}: ${name}: ${detail}`, { code, failureClass, operation, cause: error });

  if (name === 'RepositoryNotFoundException' && context.isBaseRepository && context.repository !== undefined) {
    return baseRepositoryMissing(context.repository, operation, error);
  }
  if (ACCESS_DENIED.has(name)) return accessDenied(operation, target, detail, error);
  if (CREDENTIALS_REJECTED.has(name)) return failure('permanent', 'ECR_CREDENTIALS_REJECTED');
  if (THROTTLING.has(name) || status === 429 || name === 'ServerException' || (status !== undefined && status >= 500)) {
    return failure('transient');
  }
  if (INVALID_REQUEST.has(name)) return failure('permanent');
  if (name === 'KmsException') {
    return failure(typeof shape.kmsError === 'string' && KMS_TRANSIENT.test(shape.kmsError) ? 'transient' : 'permanent');
  }
  // Network errors, timeouts, expired credentials, vanished repositories and the unknown.
  return failure('transient', foreignCode(typeof shape.code === 'string' && status === undefined ? shape.code : name));
}

/** Runs one ECR call, classifying whatever it throws. */
export async function ecrCall<T>(context: EcrCallContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw classifyEcrError(error, context);
  }
}

/** True when `error` is the AWS error `name` (the SDK sets `name` from the service's error type). */
export function isAwsError(error: unknown, name: string): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === name;
}

/** The call's result, or undefined when it fails with the AWS error `notFound` (an absence, not a failure). */
export async function unlessNotFound<T>(notFound: string, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (isAwsError(error, notFound)) return undefined;
    throw error;
  }
}
