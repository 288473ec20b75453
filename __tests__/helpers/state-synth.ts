/**
 * A lighter synth for the remote-state tests: the bootstrap and the network stacks only (the
 * backend every stack gets comes from BaseStack, whatever the stack kind), with the same
 * interface as `synthConfig`.
 */
import { App } from 'cdktf';
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ResolvedConfig } from '../../config/validate';
import { NetworkStack } from '../../stacks/network-stack';
import { StateStack } from '../../terraform-state/state-stack';
import type { Json, Synthesized } from './synth';

export function synthStateAndNetwork(config: ResolvedConfig): Synthesized {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'state-synth-'));
  const app = new App({ outdir });
  new StateStack(app, { config });
  for (const environment of config.environments) new NetworkStack(app, { config, environment });
  app.synth();
  const cache = new Map<string, Json>();
  return {
    outdir,
    config,
    stack(name) {
      if (!cache.has(name)) cache.set(name, JSON.parse(readFileSync(path.join(outdir, 'stacks', name, 'cdk.tf.json'), 'utf8')) as Json);
      return cache.get(name)!;
    },
    stackNames() {
      return Object.keys((JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as { stacks: Json }).stacks);
    },
  };
}
