/**
 * What the bench synthesizes besides the project itself, generated into a scratch folder
 * inside the repository (`.bench-tmp/`, ignored by git and ESLint) so that the apps resolve
 * `cdktf` and `@cdktf/provider-aws` from the project's node_modules:
 *
 *  - the floor: a minimal cdktf app in plain JavaScript, one resource, deep imports, run by `node`;
 *  - the stock app: the same app as `cdktf init --template=typescript` makes it (the template's
 *    main.ts and tsconfig.json, copied from cdktf-cli) with the barrel import of
 *    `@cdktf/provider-aws`, run as its cdktf.json says: `npx ts-node main.ts` (type-checked);
 *  - scale configurations: 3 environments x N services.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';

export const ROOT = path.resolve(__dirname, '..', '..');

/** The cdktf-cli TypeScript template the stock app is made from. */
const TEMPLATE = path.join(ROOT, 'node_modules', 'cdktf-cli', 'bundle', 'templates', 'typescript');

/** The floor: plain JavaScript, deep imports, one resource. Returns the script path. */
export function writeFloorApp(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'main.js');
  writeFileSync(
    file,
    [
      "const { App, TerraformStack } = require('cdktf');",
      "const { AwsProvider } = require('@cdktf/provider-aws/lib/provider');",
      "const { Vpc } = require('@cdktf/provider-aws/lib/vpc');",
      '',
      'const app = new App();',
      "const stack = new TerraformStack(app, 'minimal');",
      "new AwsProvider(stack, 'aws', { region: 'us-east-1' });",
      "new Vpc(stack, 'vpc', { cidrBlock: '10.0.0.0/16' });",
      'app.synth();',
      '',
    ].join('\n'),
  );
  return file;
}

/**
 * The stock app: `cdktf init --template=typescript`'s main.ts and tsconfig.json, plus the same
 * one resource through the barrel import. Returns the app folder.
 */
export function writeStockApp(dir: string): string {
  mkdirSync(dir, { recursive: true });
  copyFileSync(path.join(TEMPLATE, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
  writeFileSync(
    path.join(dir, 'main.ts'),
    [
      'import { Construct } from "constructs";',
      'import { App, TerraformStack } from "cdktf";',
      'import * as aws from "@cdktf/provider-aws";',
      '',
      'class MyStack extends TerraformStack {',
      '  constructor(scope: Construct, id: string) {',
      '    super(scope, id);',
      '',
      '    new aws.provider.AwsProvider(this, "aws", { region: "us-east-1" });',
      '    new aws.vpc.Vpc(this, "vpc", { cidrBlock: "10.0.0.0/16" });',
      '  }',
      '}',
      '',
      'const app = new App();',
      'new MyStack(app, "minimal");',
      'app.synth();',
      '',
    ].join('\n'),
  );
  writeFileSync(path.join(dir, 'cdktf.json'), `${JSON.stringify({ language: 'typescript', app: 'npx ts-node main.ts' }, null, 2)}\n`);
  return dir;
}

export const SCALE_ENVIRONMENTS = ['dev', 'stage', 'prod'] as const;

/**
 * A configuration of 3 environments (or the first `environments`) with `services` services
 * each: `svc-<n>` routed on `/svc-<n>/*` with an explicit priority (default priorities are
 * hashes of the name, and 50 names may collide), its own ECR repository, like a service
 * built from this repository.
 */
export function scaleConfig(services: number, environmentCount: number = SCALE_ENVIRONMENTS.length): string {
  const environments = Object.fromEntries(
    SCALE_ENVIRONMENTS.slice(0, environmentCount).map((name, index) => [
      name,
      {
        region: 'ap-northeast-2',
        network: { cidr: `10.${10 * (index + 1)}.0.0/16`, egress: 'endpoints' },
        services: Object.fromEntries(
          Array.from({ length: services }, (_, i) => [
            `svc-${i + 1}`,
            {
              imageTag: 'v1.0.0',
              port: 8080,
              cpu: 256,
              memory: 512,
              desiredCount: 1,
              routing: { pathPatterns: [`/svc-${i + 1}/*`], priority: 100 + i },
            },
          ]),
        ),
      },
    ]),
  );
  return stringify({ project: 'acme', state: { bucket: 'acme-terraform-state-apne2', region: 'ap-northeast-2' }, environments });
}

/** Writes the scale configuration for `services` and returns its path. */
export function writeScaleConfig(dir: string, services: number): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `scale-3x${services}.yaml`);
  writeFileSync(file, scaleConfig(services));
  return file;
}

