import {
  ECRServiceException,
  KmsException,
  LimitExceededException,
  RepositoryNotFoundException,
  ServerException,
} from '@aws-sdk/client-ecr';
import { describe, expect, it } from 'vitest';
import { foreignCode } from '../error-codes.js';
import { MirrorError } from '../errors.js';
import { classifyEcrError, isAwsError } from './classify.js';
import { EcrError } from './errors.js';

const metadata = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });
// The SDK's fallback for error types it does not model, e.g. ECR's ThrottlingException.
const unmodeled = (name: string, httpStatusCode: number, message = 'boom') =>
  Object.assign(new ECRServiceException({ name, $fault: httpStatusCode >= 500 ? 'server' : 'client', ...metadata(httpStatusCode) }), { message });
const networkError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code });

describe('classifyEcrError', () => {
  it.each([
    ['ThrottlingException', unmodeled('ThrottlingException', 400, 'Rate exceeded')],
    ['LimitExceededException', new LimitExceededException({ message: 'limit', ...metadata(400) })],
    ['ServerException', new ServerException({ message: 'oops', ...metadata(500) })],
    ['an unknown 503', unmodeled('ServiceUnavailable', 503)],
    ['HTTP 429', unmodeled('TooManyRequests', 429)],
    ['ECONNRESET', networkError('ECONNRESET')],
    ['ECONNREFUSED', networkError('ECONNREFUSED')],
    ['a timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
    ['expired credentials', unmodeled('ExpiredTokenException', 400)],
    ['an unrecognised client error', unmodeled('SomethingNewException', 400)],
    ['a thrown string', 'weird'],
    ['KMS throttling', new KmsException({ message: 'kms', kmsError: 'ThrottlingException', ...metadata(400) })],
  ])('%s is transient', (_label, error) => {
    const classified = classifyEcrError(error, { operation: 'CreateRepository', repository: 'root-mirror/python' });
    expect(classified).toBeInstanceOf(EcrError);
    expect(classified.failureClass).toBe('transient');
    expect(classified.cause).toBe(error);
    expect(classified.message).toContain('CreateRepository');
    expect(classified.message).toContain('root-mirror/python');
  });

  it('keeps the network error code as the code', () => {
    expect(classifyEcrError(networkError('ECONNRESET'), { operation: 'DescribeRepositories' }).code).toBe('ECONNRESET');
  });

  it.each([
    ['InvalidParameterException', unmodeled('InvalidParameterException', 400)],
    ['ValidationException', unmodeled('ValidationException', 400)],
    ['TooManyTagsException', unmodeled('TooManyTagsException', 400)],
    ['a disabled KMS key', new KmsException({ message: 'kms', kmsError: 'DisabledException', ...metadata(400) })],
    ['rejected credentials', unmodeled('UnrecognizedClientException', 400)],
  ])('%s is permanent', (_label, error) => {
    expect(classifyEcrError(error, { operation: 'CreateRepository', repository: 'r' }).failureClass).toBe('permanent');
  });

  it('names the base repository and how to create it when the base is missing', () => {
    const error = new RepositoryNotFoundException({ message: "The repository with name 'root-mirror' does not exist", ...metadata(400) });
    const classified = classifyEcrError(error, { operation: 'GetRepositoryPolicy', repository: 'root-mirror', isBaseRepository: true });
    expect(classified.failureClass).toBe('permanent');
    expect(classified.code).toBe('ECR_BASE_REPOSITORY_MISSING');
    expect(classified.message).toContain('"root-mirror"');
    expect(classified.message).toContain('terraform apply');
  });

  it('treats any other missing repository as transient: it vanished under us and a retry recreates it', () => {
    const error = new RepositoryNotFoundException({ message: 'gone', ...metadata(400) });
    expect(classifyEcrError(error, { operation: 'SetRepositoryPolicy', repository: 'root-mirror/python' }).failureClass).toBe('transient');
  });

  it('names the IAM action when access is denied', () => {
    const error = unmodeled('AccessDeniedException', 400, 'User: arn:aws:sts::1:assumed-role/mirror/x is not authorized to perform: ecr:SetRepositoryPolicy');
    const classified = classifyEcrError(error, { operation: 'SetRepositoryPolicy', repository: 'root-mirror/python' });
    expect(classified.failureClass).toBe('permanent');
    expect(classified.code).toBe('ECR_ACCESS_DENIED');
    expect(classified.message).toContain('"ecr:SetRepositoryPolicy"');
    expect(classified.message).toContain('root-mirror/python');
  });

  it('passes our own errors through unchanged', () => {
    const ours = new MirrorError('already classified', { code: foreignCode('X'), failureClass: 'permanent' });
    expect(classifyEcrError(ours, { operation: 'CreateRepository' })).toBe(ours);
  });
});

describe('isAwsError', () => {
  it('matches on the error name the SDK sets', () => {
    expect(isAwsError(new RepositoryNotFoundException({ message: 'x', $metadata: {} }), 'RepositoryNotFoundException')).toBe(true);
    expect(isAwsError(new Error('x'), 'RepositoryNotFoundException')).toBe(false);
    expect(isAwsError(undefined, 'RepositoryNotFoundException')).toBe(false);
  });
});
