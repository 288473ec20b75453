/**
 * What a task needs to start on Fargate that Terraform cannot see (issue 13): a scratch
 * volume the non-root user can write, ECS Exec's writable root, secret grants that match the
 * real secret ARNs (and their KMS key), and an imageTag that must be pushed before tasks start.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { configFrom, defaultConfigData, Json, only, ref, resources, Synthesized, synthConfig, synthDefault } from './helpers/synth';

/** The default configuration with dev's services replaced, dev only. */
function withServices(services: Json, network: Json = {}): Synthesized {
  const data = defaultConfigData();
  data.environments.dev.services = services;
  Object.assign(data.environments.dev.network, network);
  data.environments = { dev: data.environments.dev };
  return synthConfig(configFrom(data));
}

const containersOf = (stack: Json): Json[] => JSON.parse(only(stack, 'aws_ecs_task_definition').container_definitions);
const statementsOf = (stack: Json): Json[] => resources(stack, 'aws_iam_role_policy').flatMap(([, p]) => JSON.parse(p.policy).Statement);

describe('the default configuration: every non-root, read-only container can write its scratch paths', () => {
  const synth = synthDefault();
  const serviceStacks = synth.stackNames().filter((n) => resources(synth.stack(n), 'aws_ecs_task_definition').length > 0);

  test('both environments have a service task definition', () => {
    expect(serviceStacks.sort()).toEqual(['dev-web', 'prod-web']);
  });

  test.each(['dev-web', 'prod-web'])('%s: an init container sets mode 1777 on every scratch volume before the app starts, and the app waits for its success', (name) => {
    const stack = synth.stack(name);
    const containers = containersOf(stack);
    const volumes = only(stack, 'aws_ecs_task_definition').volume.map((v: Json) => v.name);
    const hardened = containers.filter((c) => c.essential !== false && c.user !== '0' && c.readonlyRootFilesystem === true);
    expect(hardened.map((c) => c.name)).toEqual(['web']);
    for (const app of hardened) {
      expect(app.user).toBe('101');
      expect(app.mountPoints.length).toBeGreaterThan(0);
      // Every path the app may write is a task volume...
      for (const mount of app.mountPoints) expect(volumes).toContain(mount.sourceVolume);
      // ...prepared by a container the app waits for, which must exit 0.
      expect(app.dependsOn).toEqual([{ containerName: 'init-scratch', condition: 'SUCCESS' }]);
      const init = containers.find((c) => c.name === 'init-scratch')!;
      expect(init).toMatchObject({
        essential: false,
        user: '0',
        readonlyRootFilesystem: true,
        linuxParameters: { capabilities: { drop: ['ALL'] } },
        logConfiguration: { logDriver: 'awslogs', options: { ...app.logConfiguration.options } },
      });
      expect(init.portMappings).toBeUndefined();
      expect(init.linuxParameters.capabilities.add).toBeUndefined();
      // The init container mounts the same volumes, writable, and chmods exactly its mount paths.
      const initMounts = new Map<string, string>(init.mountPoints.map((m: Json) => [m.sourceVolume, m.containerPath]));
      for (const m of init.mountPoints) expect(m.readOnly).toBe(false);
      const paths = app.mountPoints.map((m: Json) => initMounts.get(m.sourceVolume));
      expect(paths).toEqual(['/scratch/tmp']);
      expect(init.command).toEqual(['sh', '-c', `chmod 1777 ${paths.join(' ')}`]);
    }
  });

  test.each(['dev', 'prod'])('%s: the init image is a pinned busybox through the pull-through cache, which the execution role may pull and import', (env) => {
    const stack = synth.stack(`${env}-web`);
    const init = containersOf(stack).find((c) => c.name === 'init-scratch')!;
    expect(init.image).toMatch(new RegExp(`\\.dkr\\.ecr\\.ap-northeast-2\\.amazonaws\\.com/acme-${env}-public/docker/library/busybox:1\\.36\\.1$`));
    const statements = statementsOf(stack);
    const repoPattern = expect.stringMatching(new RegExp(`:repository/acme-${env}-public/\\*$`));
    expect(statements.find((s) => s.Sid === 'EcrPull')!.Resource).toEqual([repoPattern]);
    expect(statements.find((s) => s.Sid === 'EcrPullThroughCache')).toMatchObject({ Action: ['ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'], Resource: repoPattern });
  });

  test('without exec, the application container keeps its root filesystem read-only', () => {
    for (const name of serviceStacks) expect(containersOf(synth.stack(name))[0].readonlyRootFilesystem).toBe(true);
  });
});

describe('the init image is overridable', () => {
  test('an ECR image of the region replaces busybox, and the execution role may pull exactly that repository', () => {
    const initImage = '123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/tools/busybox:1.36.1';
    const stack = withServices({ api: { imageTag: 'v1', port: 8080, initImage } }).stack('dev-api');
    expect(containersOf(stack).find((c) => c.name === 'init-scratch')!.image).toBe(initImage);
    const statements = statementsOf(stack);
    expect(statements.find((s) => s.Sid === 'EcrPull')!.Resource).toEqual([expect.stringMatching(/^\$\{aws_ecr_repository\./), 'arn:aws:ecr:ap-northeast-2:123456789012:repository/tools/busybox']);
    expect(statements.find((s) => s.Sid === 'EcrPullThroughCache')).toBeUndefined();
  });
});

describe('ECS Exec', () => {
  test('exec: true makes the application container\'s root filesystem writable (the init container stays read-only) and keeps the scratch volume', () => {
    const stack = withServices({ api: { imageTag: 'v1', port: 8080, exec: true } }).stack('dev-api');
    const [app, init] = containersOf(stack);
    expect(app).toMatchObject({ readonlyRootFilesystem: false, linuxParameters: { initProcessEnabled: true }, dependsOn: [{ containerName: 'init-scratch', condition: 'SUCCESS' }] });
    expect(init).toMatchObject({ name: 'init-scratch', readonlyRootFilesystem: true });
  });
});

describe('secrets: grants that match the real ARNs', () => {
  const REGION_ACCOUNT = 'ap-northeast-2:123456789012';
  const partial = `arn:aws:secretsmanager:${REGION_ACCOUNT}:secret:prod/db`;
  const jsonKey = `arn:aws:secretsmanager:${REGION_ACCOUNT}:secret:prod/api-AbCdEf:token:AWSCURRENT:`;
  const kmsKey = `arn:aws:kms:${REGION_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const stack = withServices({ api: { imageTag: 'v1', port: 8080, secrets: { DB: partial, API: jsonKey }, secretsKmsKeyArns: [kmsKey] } }).stack('dev-api');
  const statements = statementsOf(stack);

  test('a secret ARN without the random suffix is granted as name-??????; a JSON-key reference grants its secret and reaches ECS whole', () => {
    expect(statements.find((s) => s.Sid === 'ReadSecrets')!.Resource).toEqual([
      `${partial}-??????`,
      `arn:aws:secretsmanager:${REGION_ACCOUNT}:secret:prod/api-AbCdEf`,
      `arn:aws:secretsmanager:${REGION_ACCOUNT}:secret:prod/api-AbCdEf-??????`,
    ]);
    expect(containersOf(stack)[0].secrets).toEqual([
      { name: 'API', valueFrom: jsonKey },
      { name: 'DB', valueFrom: partial },
    ]);
  });

  test('secretsKmsKeyArns: kms:Decrypt on exactly those keys, only through Secrets Manager or SSM of their region', () => {
    expect(statements.find((s) => s.Sid === 'DecryptSecrets')).toEqual({
      Sid: 'DecryptSecrets',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: [kmsKey],
      Condition: { StringEquals: { 'kms:ViaService': ['secretsmanager.ap-northeast-2.amazonaws.com', 'ssm.ap-northeast-2.amazonaws.com'] } },
    });
  });

  test('no KMS statement without secretsKmsKeyArns', () => {
    const plain = withServices({ api: { imageTag: 'v1', port: 8080, secrets: { DB: partial } } }).stack('dev-api');
    expect(statementsOf(plain).find((s) => s.Sid === 'DecryptSecrets')).toBeUndefined();
  });
});

describe('a service built from its own repository waits for the pushed tag', () => {
  test('the task definition depends on a look-up of the tag, which itself waits for the repository (offline plans defer it)', () => {
    const stack = withServices({ api: { imageTag: 'v1.2.3', port: 8080 } }).stack('dev-api');
    const [repoName] = resources(stack, 'aws_ecr_repository')[0];
    const [[lookupName, lookup]] = Object.entries(stack.data.aws_ecr_image as Record<string, Json>);
    expect(lookup).toMatchObject({ repository_name: ref('aws_ecr_repository', repoName, 'name'), image_tag: 'v1.2.3', depends_on: [`aws_ecr_repository.${repoName}`] });
    expect(only(stack, 'aws_ecs_task_definition').depends_on).toEqual([`data.aws_ecr_image.${lookupName}`]);
  });

  test('the repository and look-up addresses docs/first-deploy.md names are the same in every service stack', () => {
    const doc = readFileSync(path.join(__dirname, '..', 'docs', 'first-deploy.md'), 'utf8');
    for (const name of ['api', 'shop']) {
      const stack = withServices({ [name]: { imageTag: 'v1', port: 8080 } }).stack(`dev-${name}`);
      const addresses = [
        `aws_ecr_repository.${resources(stack, 'aws_ecr_repository')[0][0]}`,
        `aws_ecr_lifecycle_policy.${resources(stack, 'aws_ecr_lifecycle_policy')[0][0]}`,
        `data.aws_ecr_image.${Object.keys(stack.data.aws_ecr_image)[0]}`,
      ];
      for (const address of addresses) expect(doc).toContain(address);
    }
  });

  test('external images need no look-up', () => {
    const synth = synthDefault();
    expect(synth.stack('dev-web').data?.aws_ecr_image).toBeUndefined();
  });
});
