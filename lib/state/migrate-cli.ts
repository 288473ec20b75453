/**
 * npm run state:migrate [-- [--local-state <file>] [-backend-config=<file or key=value> ...]]
 *
 * Step 2 of the bootstrap (docs/remote-state.md): with `state.bootstrapBackend: s3` in the
 * configuration, moves the terraform-state stack's state from `terraform-state/terraform.tfstate`
 * into the bucket it created, verifies the copy and moves the local file aside. Refuses to
 * overwrite a different state already in the bucket. `INFRA_CONFIG` names another
 * configuration; `--local-state` another local state file.
 */
import * as path from 'node:path';
import { configPathFromEnv } from '../../config/load';
import { LOCAL_STATE_PATH } from '../../terraform-state/state-stack';
import { parseBackendConfigArgs } from './backend';
import { MigrateIo, migrateBootstrapState } from './migrate';
import { terraformAvailable, terraformEnv } from '../terraform/offline';

const processIo: MigrateIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv, io: MigrateIo = processIo): Promise<number> {
  let localStatePath = LOCAL_STATE_PATH;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--local-state' && i + 1 < argv.length) localStatePath = path.resolve(argv[++i]);
    else if (argv[i].startsWith('--local-state=')) localStatePath = path.resolve(argv[i].slice('--local-state='.length));
    else rest.push(argv[i]);
  }
  if (!terraformAvailable()) {
    io.err('terraform is not on the PATH (Terraform >= 1.10 is required).\n');
    return 1;
  }
  let backendConfig;
  try {
    backendConfig = parseBackendConfigArgs(rest);
  } catch (error) {
    io.err(`${(error as Error).message}\n`);
    return 1;
  }
  const configFile = configPathFromEnv(env);
  return migrateBootstrapState({
    configFile: path.relative(process.cwd(), configFile) || configFile,
    localStatePath,
    backendConfig,
    env: terraformEnv(env),
    io,
  });
}
