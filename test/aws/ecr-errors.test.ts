// Errors as the real ECRClient produces them from the stand-in's wire answers, and how we classify them.
import { DescribeRepositoriesCommand, ECRClient, RepositoryNotFoundException } from '@aws-sdk/client-ecr';
import { describe, expect, it } from 'vitest';
import { classifyEcrError } from '../../lambda/ecr/classify.js';
import { ensureRepository } from '../../lambda/ecr/repositories.js';
import { withAwsStandIns } from './env.js';

const aws = withAwsStandIns();
const describeRepo = (name: string, client = new ECRClient({})) => client.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }));

describe('ECR errors through the real SDK', () => {
  it('parses a modeled error type into its SDK class', async () => {
    const error = await describeRepo('absent').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RepositoryNotFoundException);
    expect(error).toMatchObject({ name: 'RepositoryNotFoundException', $metadata: { httpStatusCode: 400 } });
    expect((error as Error).message).toContain("'absent'");
  });

  it('names an unmodeled error type after the wire type and classifies it', async () => {
    aws.ecr.failNext('DescribeRepositories', { type: 'ThrottlingException', message: 'Rate exceeded', times: 1 });
    const error = await describeRepo('x', new ECRClient({ maxAttempts: 1 })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ThrottlingException', message: 'Rate exceeded' });
    expect(classifyEcrError(error, { operation: 'DescribeRepositories' }).failureClass).toBe('transient');
  });

  it('classifies a 500 and a dropped connection as transient', async () => {
    aws.ecr.failNext('DescribeRepositories', { type: 'ServerException', status: 500 });
    const serverError = await describeRepo('x', new ECRClient({ maxAttempts: 1 })).catch((e: unknown) => e);
    expect(serverError).toMatchObject({ name: 'ServerException', $metadata: { httpStatusCode: 500 } });
    expect(classifyEcrError(serverError, { operation: 'DescribeRepositories' }).failureClass).toBe('transient');

    aws.ecr.failNext('DescribeRepositories', { reset: true, times: 3 });
    const failure = await ensureRepository(new ECRClient({}), { baseRepository: 'root-mirror', repository: 'root-mirror/x' }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ failureClass: 'transient', operation: 'DescribeRepositories', code: 'ECONNRESET' });
    expect(aws.ecr.calls.filter((call) => call.fault === 'reset')).toHaveLength(3);
  });

  it('reads the endpoint from AWS_ENDPOINT_URL_ECR', () => {
    expect(process.env.AWS_ENDPOINT_URL_ECR).toBe(aws.ecr.url);
  });
});
