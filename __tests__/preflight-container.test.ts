/**
 * The preflight knows the containers: a non-root container on a read-only root filesystem
 * needs its bind-mounted scratch volume prepared by a root init container it waits for; ECS
 * Exec's agent needs writable paths; the execution role must allow every request ECS makes
 * at start (ECR, the pull-through cache, the log stream, secrets and their keys); an image
 * meant to come through the pull-through cache needs a rule for its prefix. Each test
 * changes real synthesized JSON the way an escape hatch would; valid variants must pass.
 */
import { configFrom, defaultConfigData, Json, synthConfig, synthDefault } from './helpers/synth';
import { checksOf, containersOf, editContainers, one, preflightOf, Stacks, stacksOf, tally } from './helpers/preflight';

const REGION = 'ap-northeast-2';
const defaults = synthDefault();
const dev = (name: string) => name.startsWith('dev-');
const fresh = (): Stacks => stacksOf(defaults);

const task = (stacks: Stacks, stack = 'dev-web'): Json => one(stacks[stack], 'aws_ecs_task_definition');
const policyOf = (stacks: Stacks, stack = 'dev-web'): Json => one(stacks[stack], 'aws_iam_role_policy', /execution-policy/);
/** Changes the statements of the execution role's inline policy. */
function editPolicy(stacks: Stacks, change: (statements: Json[]) => Json[], stack = 'dev-web'): void {
  const policy = policyOf(stacks, stack);
  const doc = JSON.parse(policy.policy);
  doc.Statement = change(doc.Statement);
  policy.policy = JSON.stringify(doc);
}
const check = (stacks: Stacks, path: string, stack = 'dev-web') => {
  const checks = checksOf(preflightOf(stacks, dev), stack, path);
  expect(checks).toHaveLength(1);
  return checks[0];
};
/** The app and init-scratch containers of the dev web task, changed by `change`. */
function withContainers(change: (app: Json, init: Json, all: Json[]) => void): Stacks {
  const stacks = fresh();
  editContainers(task(stacks), (containers) => change(containers[0], containers.find((c) => c.name === 'init-scratch')!, containers));
  return stacks;
}

describe('a non-root container writing a root-owned bind mount', () => {
  test('the default task with init-scratch: the scratch volume is prepared, the path passes', () => {
    const [init] = containersOf(task(fresh())).filter((c) => c.name === 'init-scratch');
    expect(init).toMatchObject({ essential: false, user: '0' });
    const scratch = check(fresh(), 'scratch-volume');
    expect(scratch.verdict).toBe('pass');
    expect(scratch.reason).toMatch(/init-scratch \(root, non-essential, dependsOn SUCCESS\) prepares it/);
  });

  test('without an init container, nginx (user 101, read-only root) cannot write /tmp: FAIL with the error and the fix', () => {
    const stacks = withContainers((app, _init, all) => {
      all.splice(all.indexOf(_init), 1);
      delete app.dependsOn;
    });
    const scratch = check(stacks, 'scratch-volume');
    expect(scratch.verdict).toBe('fail');
    expect(scratch.reason).toMatch(/^container web \(user 101, read-only root filesystem\) mounts volume "scratch" read-write at \/tmp, a bind mount Fargate creates owned by root with mode 0755, and no other container/);
    expect(scratch.awsError).toContain('mkdir() "/tmp/client_temp" failed (13: Permission denied)');
    expect(scratch.awsError).toContain('Essential container in task exited');
    expect(scratch.fix?.[0]).toMatch(/essential = false, user = "0".*condition: "SUCCESS"/);
  });

  const broken: [string, (app: Json, init: Json) => void, RegExp][] = [
    ['the dependency is missing', (app) => delete app.dependsOn, /web does not wait for init-scratch/],
    ['the dependency is COMPLETE (met when the init fails too)', (app) => (app.dependsOn = [{ containerName: 'init-scratch', condition: 'COMPLETE' }]), /condition COMPLETE, not SUCCESS: COMPLETE is also met when the init container fails/],
    ['the dependency is START (both run at once)', (app) => (app.dependsOn = [{ containerName: 'init-scratch', condition: 'START' }]), /condition START, not SUCCESS/],
    ['the dependency is HEALTHY', (app) => (app.dependsOn = [{ containerName: 'init-scratch', condition: 'HEALTHY' }]), /condition HEALTHY, not SUCCESS/],
    ['the init container is essential', (_app, init) => (init.essential = true), /init-scratch is essential/],
    ['the init container is essential by default', (_app, init) => delete init.essential, /init-scratch is essential/],
    ['the init container runs as a non-root user', (_app, init) => (init.user = '1000'), /init-scratch runs as user 1000, not root/],
    ['the init container mounts the volume read-only', (_app, init) => (init.mountPoints[0].readOnly = true), /mounts "scratch" read-only/],
    ['the init container does not mount the volume', (_app, init) => (init.mountPoints = []), /no other container of the task mounts volume "scratch"/],
    ['the init command does not touch the path', (_app, init) => (init.command = ['sh', '-c', 'chmod 1777 /elsewhere']), /does not chmod or chown its mount of "scratch"/],
    ['the init command runs no chmod or chown', (_app, init) => (init.command = ['sh', '-c', 'ls /scratch/tmp']), /does not chmod or chown/],
    ['the init command changes only the directory above the mount, not recursively', (_app, init) => (init.command = ['sh', '-c', 'chmod 1777 /scratch']), /does not chmod or chown its mount/],
    ['the init container changes the owner with chown but dropped every capability', (_app, init) => (init.command = ['sh', '-c', 'chown 101 /scratch/tmp']), /needs the CHOWN capability/],
  ];
  test.each(broken)('broken init shape: %s -> FAIL', (_name, change, reason) => {
    const scratch = check(withContainers(change), 'scratch-volume');
    expect(scratch.verdict).toBe('fail');
    expect(scratch.reason).toMatch(reason);
  });

  const valid: [string, (app: Json, init: Json) => void][] = [
    ['init user "root"', (_app, init) => (init.user = 'root')],
    ['init user "0:0"', (_app, init) => (init.user = '0:0')],
    ['chown with the CHOWN capability added back', (_app, init) => {
      init.command = ['sh', '-c', 'chown 101:101 /scratch/tmp'];
      init.linuxParameters = { capabilities: { drop: ['ALL'], add: ['CHOWN'] } };
    }],
    ['a recursive chmod of the directory above the mount', (_app, init) => (init.command = ['sh', '-c', 'chmod -R 1777 /scratch'])],
    ['a glob matching the mount', (_app, init) => (init.command = ['sh', '-c', 'chmod 1777 /scratch/*'])],
    ['chmod without a shell', (_app, init) => (init.command = ['/bin/chmod', '1777', '/scratch/tmp/'])],
    ['entryPoint and command split', (_app, init) => {
      init.entryPoint = ['sh', '-c'];
      init.command = ['chmod 1777 /scratch/tmp'];
    }],
  ];
  test.each(valid)('valid init shape: %s -> pass', (_name, change) => {
    expect(check(withContainers(change), 'scratch-volume').verdict).toBe('pass');
  });

  const notChecked: [string, (app: Json, init: Json, all: Json[]) => void][] = [
    ['the app user is unset (the image default is unknown)', (app) => delete app.user],
    ['the app runs as root', (app) => (app.user = '0')],
    ['the app root filesystem is writable', (app) => (app.readonlyRootFilesystem = false)],
    ['the app mounts the volume read-only', (app) => (app.mountPoints[0].readOnly = true)],
  ];
  test.each(notChecked)('without an init container, but %s: no failure', (_name, change) => {
    const stacks = withContainers((app, init, all) => {
      all.splice(all.indexOf(init), 1);
      delete app.dependsOn;
      change(app, init, all);
    });
    expect(checksOf(preflightOf(stacks, dev), 'dev-web', 'scratch-volume').filter((c) => c.verdict === 'fail')).toEqual([]);
  });

  test('an EFS volume has its own ownership: not a bind mount, not checked', () => {
    const stacks = withContainers((app, init, all) => {
      all.splice(all.indexOf(init), 1);
      delete app.dependsOn;
    });
    task(stacks).volume = [{ name: 'scratch', efs_volume_configuration: { file_system_id: 'fs-0123456789abcdef0' } }];
    expect(checksOf(preflightOf(stacks, dev), 'dev-web', 'scratch-volume')).toEqual([]);
  });

  test('a non-essential container that cannot write: the task still starts (warning)', () => {
    const stacks = withContainers((app, init, all) => {
      all.splice(all.indexOf(init), 1);
      delete app.dependsOn;
      all.push({ ...app, name: 'sidecar', essential: false });
      app.readonlyRootFilesystem = false;
    });
    expect(check(stacks, 'scratch-volume').verdict).toBe('warn');
  });
});

describe('ECS Exec agent paths', () => {
  const withExec = (readonlyRoot: boolean, mounts?: Json[]) => {
    const stacks = withContainers((app, init) => {
      app.readonlyRootFilesystem = readonlyRoot;
      if (mounts) {
        app.mountPoints.push(...mounts);
        init.mountPoints.push(...mounts.map((m) => ({ ...m, containerPath: `/scratch${m.containerPath}` })));
        init.command = ['sh', '-c', `chmod 1777 /scratch/tmp ${mounts.map((m) => `/scratch${m.containerPath}`).join(' ')}`];
      }
    });
    one(stacks['dev-web'], 'aws_ecs_service').enable_execute_command = true;
    if (mounts) task(stacks).volume.push(...mounts.map((m) => ({ name: m.sourceVolume })));
    return stacks;
  };

  test('exec on a read-only root filesystem: tasks start, exec fails (WARN, with TargetNotConnectedException)', () => {
    const exec = check(withExec(true), 'exec-agent');
    expect(exec.verdict).toBe('warn');
    expect(exec.reason).toMatch(/container web has a read-only root filesystem and no writable volume at \/var\/lib\/amazon\/ssm/);
    expect(exec.awsError).toContain('TargetNotConnectedException');
    // A warning never refuses the synth.
    expect(tally(preflightOf(withExec(true), dev)).fail).toBe(0);
  });

  test('exec on a writable root filesystem passes', () => {
    expect(checksOf(preflightOf(withExec(false), dev), 'dev-web', 'exec-agent')).toEqual([]);
  });

  test('exec with prepared volumes at /var/lib/amazon and /var/log/amazon passes; unprepared for the non-root user warns', () => {
    const mounts = [
      { sourceVolume: 'ssm-lib', containerPath: '/var/lib/amazon', readOnly: false },
      { sourceVolume: 'ssm-log', containerPath: '/var/log/amazon', readOnly: false },
    ];
    expect(check(withExec(true, mounts), 'exec-agent').verdict).toBe('pass');
    const unprepared = withExec(true, mounts);
    editContainers(task(unprepared), (all) => (all.find((c) => c.name === 'init-scratch')!.command = ['sh', '-c', 'chmod 1777 /scratch/tmp']));
    const exec = check(unprepared, 'exec-agent');
    expect(exec.verdict).toBe('warn');
    expect(exec.reason).toMatch(/runs as user 101 and its volume at \/var\/lib\/amazon is root-owned/);
  });
});

describe('ECS Exec task role', () => {
  test('exec with a task role lacking the ssmmessages actions: tasks start, exec fails (WARN); with them: pass', () => {
    const stacks = fresh();
    one(stacks['dev-web'], 'aws_ecs_service').enable_execute_command = true;
    const exec = check(stacks, 'exec-role');
    expect(exec.verdict).toBe('warn');
    expect(exec.reason).toMatch(/task role acme-dev-web-task does not allow ssmmessages:CreateControlChannel/);
    expect(exec.awsError).toContain('TargetNotConnectedException');
    const role = Object.keys(stacks['dev-web'].resource.aws_iam_role).find((k) => k.includes('task_'))!;
    stacks['dev-web'].resource.aws_iam_role_policy.exec = {
      role: `\${aws_iam_role.${role}.id}`,
      policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ssmmessages:*', Resource: '*' }] }),
    };
    expect(check(stacks, 'exec-role').verdict).toBe('pass');
  });
});

describe('the execution role', () => {
  test('the default role allows the image pull (with the pull-through cache) and the log stream', () => {
    const stacks = fresh();
    expect(check(stacks, 'iam-ecr')).toMatchObject({ verdict: 'pass', reason: expect.stringContaining('ecr:GetAuthorizationToken, ecr:BatchGetImage, ecr:GetDownloadUrlForLayer, ecr:BatchImportUpstreamImage, ecr:CreateRepository') });
    expect(check(stacks, 'iam-logs').verdict).toBe('pass');
  });

  test('no ecr:GetAuthorizationToken: registry auth is denied', () => {
    const stacks = fresh();
    editPolicy(stacks, (s) => s.filter((x) => x.Sid !== 'EcrAuthToken'));
    const ecr = check(stacks, 'iam-ecr');
    expect(ecr.verdict).toBe('fail');
    expect(ecr.awsError).toMatch(
      /^ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve ecr registry auth: service call has been retried 3 time\(s\): AccessDeniedException: User: arn:aws:sts::<account>:assumed-role\/acme-dev-web-execution\/<task id> is not authorized to perform: ecr:GetAuthorizationToken on resource: \* because no identity-based policy allows the ecr:GetAuthorizationToken action$/,
    );
    expect(ecr.fix?.[0]).toMatch(/aws_iam_role_policy\.roles_execution-policy_\w+ .*: allow ecr:GetAuthorizationToken on \*/);
  });

  test('the pull grant on another repository: the manifest pull is denied (403)', () => {
    const stacks = fresh();
    editPolicy(stacks, (s) => s.map((x) => (x.Sid === 'EcrPull' ? { ...x, Resource: [`arn:aws:ecr:${REGION}:123456789012:repository/other/*`] } : x)));
    const ecr = check(stacks, 'iam-ecr');
    expect(ecr.verdict).toBe('fail');
    expect(ecr.reason).toContain('ecr:BatchGetImage on arn:aws:ecr:ap-northeast-2:<account>:repository/acme-dev-public/nginx/nginx-unprivileged');
    expect(ecr.awsError).toMatch(/^CannotPullContainerError: .*403 Forbidden \(AccessDeniedException: .*ecr:BatchGetImage/);
  });

  test('no pull-through cache actions: the first pull cannot import the image', () => {
    const stacks = fresh();
    editPolicy(stacks, (s) => s.filter((x) => x.Sid !== 'EcrPullThroughCache'));
    const ecr = check(stacks, 'iam-ecr');
    expect(ecr.verdict).toBe('fail');
    expect(ecr.reason).toContain('ecr:BatchImportUpstreamImage');
  });

  test('an explicit Deny wins over the Allow', () => {
    const stacks = fresh();
    editPolicy(stacks, (s) => [...s, { Sid: 'NoEcr', Effect: 'Deny', Action: 'ecr:Batch*', Resource: '*' }]);
    const ecr = check(stacks, 'iam-ecr');
    expect(ecr.verdict).toBe('fail');
    expect(ecr.reason).toContain('denied by statement NoEcr');
    expect(ecr.awsError).toContain('with an explicit deny in an identity-based policy');
  });

  const equivalent: [string, Json[]][] = [
    ['ecr:* and logs:* on *', [{ Effect: 'Allow', Action: ['ecr:*', 'logs:*'], Resource: '*' }]],
    ['Action *', [{ Effect: 'Allow', Action: '*', Resource: '*' }]],
    ['NotAction', [{ Effect: 'Allow', NotAction: ['iam:*', 's3:*'], Resource: '*' }]],
    ['wildcards with ? in the resource', [{ Effect: 'Allow', Action: ['ecr:*', 'logs:Create?ogStream', 'logs:PutLogEvents'], Resource: ['arn:aws:ecr:ap-northeast-?:*:repository/acme-dev-public/*', '*'] }]],
    ['a Deny on other actions', [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'ecr:DeleteRepository', Resource: '*' }]],
    ['a Deny with NotResource covering the image', [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'ecr:Batch*', NotResource: ['arn:aws:ecr:*:*:repository/acme-dev-public/*'] }]],
  ];
  test.each(equivalent)('an equivalent policy passes: %s', (_name, statements) => {
    const stacks = fresh();
    editPolicy(stacks, () => statements);
    expect(check(stacks, 'iam-ecr').verdict).toBe('pass');
    expect(check(stacks, 'iam-logs').verdict).toBe('pass');
  });

  test('the log grant on the group without :* does not cover its streams; :log-stream:* does', () => {
    const stacks = fresh();
    editPolicy(stacks, (s) => s.map((x) => (x.Sid === 'WriteLogs' ? { ...x, Resource: '${aws_cloudwatch_log_group.log-group.arn}' } : x)));
    const logs = check(stacks, 'iam-logs');
    expect(logs.verdict).toBe('fail');
    expect(logs.awsError).toMatch(/^ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: AccessDeniedException: .*logs:CreateLogStream on resource: arn:aws:logs:ap-northeast-2:<account>:log-group:\/ecs\/acme-dev\/web:log-stream:web\/web\/\?/);
    editPolicy(stacks, (s) => s.map((x) => (x.Sid === 'WriteLogs' ? { ...x, Resource: '${aws_cloudwatch_log_group.log-group.arn}:log-stream:*' } : x)));
    expect(check(stacks, 'iam-logs').verdict).toBe('pass');
    // The group's ARN written literally matches too: its format is known from its name.
    editPolicy(stacks, (s) => s.map((x) => (x.Sid === 'WriteLogs' ? { ...x, Resource: `arn:aws:logs:${REGION}:*:log-group:/ecs/acme-dev/web:*` } : x)));
    expect(check(stacks, 'iam-logs').verdict).toBe('pass');
    editPolicy(stacks, (s) => s.map((x) => (x.Sid === 'WriteLogs' ? { ...x, Resource: `arn:aws:logs:${REGION}:*:log-group:/ecs/acme-dev/other:*` } : x)));
    expect(check(stacks, 'iam-logs').verdict).toBe('fail');
  });

  test('a condition the preflight cannot decide leaves the path unknown, never failed', () => {
    const stacks = fresh();
    editPolicy(stacks, (s) => s.map((x) => ({ ...x, Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123' } } })));
    expect(check(stacks, 'iam-ecr').verdict).toBe('unknown');
    editPolicy(stacks, (s) => s.map((x) => ({ ...x, Condition: { Bool: { 'aws:SecureTransport': 'true' }, StringEquals: { 'aws:RequestedRegion': REGION } } })));
    expect(check(stacks, 'iam-ecr').verdict).toBe('pass');
    editPolicy(stacks, (s) => s.map((x) => ({ ...x, Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } } })));
    expect(check(stacks, 'iam-ecr').verdict).toBe('fail');
  });

  test('the AWS managed execution policy instead of the inline one: pull and logs pass, the pull-through import does not', () => {
    const stacks = fresh();
    const role = Object.keys(stacks['dev-web'].resource.aws_iam_role).find((k) => k.includes('execution'))!;
    delete stacks['dev-web'].resource.aws_iam_role_policy[Object.keys(stacks['dev-web'].resource.aws_iam_role_policy)[0]];
    stacks['dev-web'].resource.aws_iam_role_policy_attachment = {
      managed: { role: `\${aws_iam_role.${role}.name}`, policy_arn: 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy' },
    };
    expect(check(stacks, 'iam-logs').verdict).toBe('pass');
    const ecr = check(stacks, 'iam-ecr');
    expect(ecr.verdict).toBe('fail');
    expect(ecr.reason).toMatch(/ecr:BatchImportUpstreamImage .*no policy of the role allows it/);
    // A managed policy whose document is not known: unknown, not failed.
    stacks['dev-web'].resource.aws_iam_role_policy_attachment.managed.policy_arn = 'arn:aws:iam::123456789012:policy/custom';
    expect(check(stacks, 'iam-ecr').verdict).toBe('unknown');
  });

  test('a policy document data source is read like JSON', () => {
    const stacks = fresh();
    const policy = policyOf(stacks);
    const statements = JSON.parse(policy.policy).Statement as Json[];
    stacks['dev-web'].data = {
      ...stacks['dev-web'].data,
      aws_iam_policy_document: {
        exec: {
          statement: statements.map((s) => ({ sid: s.Sid, effect: s.Effect, actions: [s.Action].flat(), resources: [s.Resource].flat() })),
        },
      },
    };
    policy.policy = '${data.aws_iam_policy_document.exec.json}';
    expect(check(stacks, 'iam-ecr').verdict).toBe('pass');
    stacks['dev-web'].data.aws_iam_policy_document.exec.statement.shift();
    expect(check(stacks, 'iam-ecr').verdict).toBe('fail');
  });

  test('no execution role on Fargate: the task definition cannot be registered', () => {
    const stacks = fresh();
    delete task(stacks).execution_role_arn;
    const ecr = check(stacks, 'iam-ecr');
    expect(ecr.verdict).toBe('fail');
    expect(ecr.awsError).toBe('ClientException: Fargate requires task definition to have execution role ARN to support ECR images. (terraform apply of the task definition fails)');
  });
});

describe('secrets and their keys', () => {
  const SECRET = `arn:aws:secretsmanager:${REGION}:123456789012:secret:db-password-AbCdEf`;
  const PARAM = `arn:aws:ssm:${REGION}:123456789012:parameter/acme/dev/api-key`;
  const data = defaultConfigData();
  data.environments.dev.services = { api: { imageTag: 'v1', port: 3000, secrets: { DB_PASSWORD: SECRET, API_KEY: PARAM } } };
  data.environments = { dev: data.environments.dev };
  const synth = synthConfig(configFrom(data));
  const base = stacksOf(synth);
  const copy = (): Stacks => structuredClone(base);

  test('the configured grants pass', () => {
    const secrets = check(copy(), 'iam-secrets', 'dev-api');
    expect(secrets.verdict).toBe('pass');
    expect(secrets.reason).toContain('secretsmanager:GetSecretValue');
    expect(secrets.reason).toContain('ssm:GetParameters');
  });

  test('a grant on another secret: GetSecretValue is denied', () => {
    const stacks = copy();
    editPolicy(stacks, (s) => s.map((x) => (x.Sid === 'ReadSecrets' ? { ...x, Resource: SECRET.replace('db-password', 'other') } : x)), 'dev-api');
    const secrets = check(stacks, 'iam-secrets', 'dev-api');
    expect(secrets.verdict).toBe('fail');
    expect(secrets.awsError).toBe(
      'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): ' +
        `failed to fetch secret ${SECRET} from secrets manager: AccessDeniedException: User: arn:aws:sts::<account>:assumed-role/acme-dev-api-execution/<task id> is not authorized to perform: secretsmanager:GetSecretValue on resource: ${SECRET} because no identity-based policy allows the secretsmanager:GetSecretValue action`,
    );
  });

  test('JSON-key and partial ARNs are granted by the secret\'s ARN (name-?????? for a partial one)', () => {
    const stacks = copy();
    editContainers(task(stacks, 'dev-api'), (all) => (all[0].secrets = [{ name: 'DB_PASSWORD', valueFrom: `${SECRET}:password:AWSCURRENT:` }, { name: 'OTHER', valueFrom: `arn:aws:secretsmanager:${REGION}:123456789012:secret:other` }]));
    editPolicy(stacks, (s) => s.map((x) => (x.Sid === 'ReadSecrets' ? { ...x, Resource: [SECRET, `arn:aws:secretsmanager:${REGION}:123456789012:secret:other-??????`] } : x)), 'dev-api');
    expect(check(stacks, 'iam-secrets', 'dev-api').verdict).toBe('pass');
    // Granting the partial ARN itself does not match the secret's real ARN (with its suffix).
    editPolicy(stacks, (s) => s.map((x) => (x.Sid === 'ReadSecrets' ? { ...x, Resource: [SECRET, `arn:aws:secretsmanager:${REGION}:123456789012:secret:other`] } : x)), 'dev-api');
    expect(check(stacks, 'iam-secrets', 'dev-api').verdict).toBe('fail');
  });

  test('no ssm:GetParameters: the parameter cannot be read', () => {
    const stacks = copy();
    editPolicy(stacks, (s) => s.filter((x) => x.Sid !== 'ReadParameters'), 'dev-api');
    const secrets = check(stacks, 'iam-secrets', 'dev-api');
    expect(secrets.verdict).toBe('fail');
    expect(secrets.awsError).toMatch(/^ResourceInitializationError: unable to pull secrets or registry auth: .*unable to retrieve secrets from ssm: .*ssm:GetParameters on resource: arn:aws:ssm:ap-northeast-2:123456789012:parameter\/acme\/dev\/api-key/);
  });

  test('a secret under a customer-managed key needs kms:Decrypt through Secrets Manager', () => {
    const stacks = copy();
    const web = stacks['dev-api'];
    web.resource.aws_kms_key = { secrets: { description: 'secrets' } };
    web.resource.aws_secretsmanager_secret = { db: { name: 'db', kms_key_id: '${aws_kms_key.secrets.arn}' } };
    editContainers(task(stacks, 'dev-api'), (all) => (all[0].secrets = [{ name: 'DB', valueFrom: '${aws_secretsmanager_secret.db.arn}' }]));
    editPolicy(stacks, (s) => s.map((x) => (x.Sid === 'ReadSecrets' ? { ...x, Resource: '${aws_secretsmanager_secret.db.arn}' } : x)), 'dev-api');
    const missing = check(stacks, 'iam-secrets', 'dev-api');
    expect(missing.verdict).toBe('fail');
    expect(missing.reason).toContain('kms:Decrypt on <aws_kms_key.secrets.arn>');
    expect(missing.awsError).toContain('Access to KMS is not allowed');
    const decrypt = (service: string) => ({ Sid: 'Decrypt', Effect: 'Allow', Action: 'kms:Decrypt', Resource: '${aws_kms_key.secrets.arn}', Condition: { StringEquals: { 'kms:ViaService': `${service}.${REGION}.amazonaws.com` } } });
    editPolicy(stacks, (s) => [...s, decrypt('secretsmanager')], 'dev-api');
    expect(check(stacks, 'iam-secrets', 'dev-api').verdict).toBe('pass');
    editPolicy(stacks, (s) => [...s.filter((x) => x.Sid !== 'Decrypt'), decrypt('s3')], 'dev-api');
    expect(check(stacks, 'iam-secrets', 'dev-api').verdict).toBe('fail');
  });
});

describe('the pull-through cache rule of an image', () => {
  test('the rule serves another prefix: the image is not found', () => {
    const stacks = fresh();
    one(stacks['dev-platform'], 'aws_ecr_pull_through_cache_rule').ecr_repository_prefix = 'other';
    const rule = check(stacks, 'pull-through');
    expect(rule.verdict).toBe('fail');
    expect(rule.reason).toMatch(/is pulled through the ECR pull-through cache \(its registry is aws_ecr_pull_through_cache_rule\.ecr-public-cache\.registry_id\), but no aws_ecr_pull_through_cache_rule of dev in ap-northeast-2 has ecr_repository_prefix "acme-dev-public" \(the rules have "other"\)/);
    expect(rule.awsError).toMatch(/^CannotPullContainerError: .*: not found/);
  });

  test('an image under a literal registry with the role granted the import: the rule must exist', () => {
    const stacks = fresh();
    editContainers(task(stacks), (all) => {
      for (const c of all) c.image = `123456789012.dkr.ecr.${REGION}.amazonaws.com/acme-dev-public/nginx/nginx-unprivileged:1.27-alpine`;
    });
    expect(check(stacks, 'pull-through').verdict).toBe('pass');
    editContainers(task(stacks), (all) => {
      for (const c of all) c.image = `123456789012.dkr.ecr.${REGION}.amazonaws.com/missing-prefix/nginx:1`;
    });
    editPolicy(stacks, (s) => s.map((x) => (x.Sid === 'EcrPullThroughCache' || x.Sid === 'EcrPull' ? { ...x, Resource: `arn:aws:ecr:${REGION}:123456789012:repository/missing-prefix/*` } : x)));
    expect(check(stacks, 'pull-through').verdict).toBe('fail');
  });

  test('a private repository image is not a cached one: no rule needed', () => {
    const stacks = fresh();
    editContainers(task(stacks), (all) => {
      for (const c of all) c.image = `123456789012.dkr.ecr.${REGION}.amazonaws.com/team/app:1`;
    });
    editPolicy(stacks, (s) => s.filter((x) => x.Sid !== 'EcrPullThroughCache').map((x) => (x.Sid === 'EcrPull' ? { ...x, Resource: `arn:aws:ecr:${REGION}:123456789012:repository/team/app` } : x)));
    const report = preflightOf(stacks, dev);
    expect(checksOf(report, 'dev-web', 'pull-through')).toEqual([]);
    expect(checksOf(report, 'dev-web', 'iam-ecr')[0].verdict).toBe('pass');
  });
});
