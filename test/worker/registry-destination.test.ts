// DST_REGISTRY: the worker mirrors into any OCI registry, with Docker config credentials,
// and makes no ECR call at all.
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../lambda/app.js';
import { writeDockerConfig, type DockerConfigDir } from '../support/docker-config.js';
import { BASE, ECR_AUTH, ROOT_AUTH, enqueue, jobFor, mirroredDigest, pushSource, useWorld } from './fixtures.js';

const world = useWorld();
let dockerConfig: DockerConfigDir | undefined;

afterEach(async () => {
  await dockerConfig?.remove();
  dockerConfig = undefined;
});

describe('a registry destination', () => {
  it('receives the image with the credentials of the Docker config, and ECR is never called', async () => {
    dockerConfig = await writeDockerConfig({ [world.dstProxy.host]: ECR_AUTH });
    const app = createApp({
      DOCKER_CONFIG: dockerConfig.dir,
      ROOT_API_KEY: ROOT_AUTH.password,
      ROOT_REGISTRY_HOST: world.srcProxy.host,
      DST_REPO: BASE,
      DST_REGISTRY: world.dstProxy.host,
      QUEUE_URL: world.sqs.queueUrl,
      DLQ_URL: world.sqs.dlqUrl,
    });
    const image = await pushSource(world, 'library/nginx', '1.25-root');
    await enqueue(world, jobFor(world, 'library/nginx', '1.25-root'));

    const { failed } = await world.sqs.deliver(app.worker);

    expect(failed).toEqual([]);
    expect(await mirroredDigest(world, 'library/nginx', '1.25-root')).toBe(image.digest);
    expect(world.aws.ecr.calls).toEqual([]);
    expect(world.sqs.queued()).toBe(0);
  });
});
