import { describe, expect, it } from 'vitest';
import { scanSource } from './sdk-usage.js';

const scan = (code: string) => scanSource(code, 'lambda/x.ts');

describe('SDK usage scan', () => {
  it('maps each imported command to the action of its client package', () => {
    const result = scan(`
      import { CreateRepositoryCommand, type ECRClient, type Repository } from '@aws-sdk/client-ecr';
      import {
        SendMessageCommand,
        ChangeMessageVisibilityCommand,
      } from "@aws-sdk/client-sqs";
      export async function f(ecr: ECRClient) { await ecr.send(new CreateRepositoryCommand({ repositoryName: 'x' })); }
    `);
    expect([...result.actions].sort()).toEqual(['ecr:CreateRepository', 'sqs:ChangeMessageVisibility', 'sqs:SendMessage']);
    expect(result.problems).toEqual([]);
    expect(result.unattributedNews).toEqual([]);
  });

  it('follows aliases, namespaces, re-exports, dynamic imports, paginators and batch commands', () => {
    const result = scan(`
      import { DescribeRepositoriesCommand as Describe } from '@aws-sdk/client-ecr';
      import * as sqs from '@aws-sdk/client-sqs';
      export { GetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
      const { GetSecretValueCommand: Get } = await import('@aws-sdk/client-secrets-manager');
      import { paginateDescribeImages } from '@aws-sdk/client-ecr';
      new Describe({}); new sqs.SendMessageBatchCommand({}); new sqs.DeleteMessageBatchCommand({}); new Get({});
    `);
    expect([...result.actions].sort()).toEqual([
      'ecr:DescribeImages',
      'ecr:DescribeRepositories',
      'ecr:GetRepositoryPolicy',
      'secretsmanager:GetSecretValue',
      'sqs:DeleteMessage',
      'sqs:SendMessage',
    ]);
    expect(result.unattributedNews).toEqual([]);
  });

  it('counts libraries that call AWS themselves, such as Powertools Parameters', () => {
    expect(scan(`import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';`).actions).toEqual(['secretsmanager:GetSecretValue']);
    expect(scan(`import { getParameter } from '@aws-lambda-powertools/parameters/ssm';`).problems).toHaveLength(1);
  });

  it('ignores type-only imports and commented-out code', () => {
    const result = scan(`
      import type { PutImageCommand } from '@aws-sdk/client-ecr';
      // import { DeleteRepositoryCommand } from '@aws-sdk/client-ecr';
      /* new BatchDeleteImageCommand({}) */
      const url = 'https://example.com/x'; // new FooCommand()
    `);
    expect(result).toEqual({ actions: [], sdkCommands: [], unattributedNews: [], problems: [] });
  });

  it('reports what it cannot attribute: unmapped clients, aggregated clients, waiters, stray commands', () => {
    expect(scan(`import { S3Client, GetObjectCommand } from '@aws-sdk/client-s3';`).problems).toHaveLength(1);
    expect(scan(`import { ECR } from '@aws-sdk/client-ecr';`).problems).toHaveLength(1);
    expect(scan(`import { waitUntilImageScanComplete } from '@aws-sdk/client-ecr';`).problems).toHaveLength(1);
    expect(scan(`import { PutImageCommand } from './commands.js'; new PutImageCommand({});`).unattributedNews).toEqual(['PutImageCommand']);
  });
});
