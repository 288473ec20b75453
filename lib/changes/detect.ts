/**
 * Change detection from the synthesized output: the working tree's synth (already made by
 * the caller) against a synth of the base revision with the base's own code
 * (lib/changes/revision-synth.ts), compared by fingerprints (lib/changes/compare.ts).
 * Shared by `npm run changed` and `npm run plan -- --changed`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dependencyOrder, readManifest } from '../atlantis/manifest';
import { compareFingerprints, everyStack, StackChange } from './compare';
import { fingerprintOutdir } from './fingerprint';
import { lockfileDiffers, mergeBase, synthesizeRevision } from './revision-synth';

export interface ChangeReport {
  readonly base: { readonly ref: string; readonly commit: string };
  /** Stacks the working tree synthesizes. */
  readonly stacks: number;
  readonly changes: readonly StackChange[];
  /** The touched stacks that still exist, producers before consumers: the order to plan them in. */
  readonly planOrder: readonly string[];
  /** Why every stack counts as touched, when that is the case. */
  readonly note?: string;
}

export interface DetectOptions {
  /** The repository (its git work tree). */
  readonly root: string;
  /** The git ref to compare with (its merge base with HEAD is used). */
  readonly baseRef: string;
  /** The working tree's synthesized output folder. */
  readonly headOutdir: string;
  /** Environment of the base synth (INFRA_CONFIG, ENVIRONMENTS). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

export function detectChanges(options: DetectOptions): ChangeReport {
  const commit = mergeBase(options.root, options.baseRef);
  const head = fingerprintOutdir(options.headOutdir);
  const manifest = readManifest(options.headOutdir);
  const report = (changes: StackChange[], note?: string): ChangeReport => {
    const existing = new Set(head.keys());
    const touched = changes.filter((c) => existing.has(c.stack)).map((c) => c.stack);
    return { base: { ref: options.baseRef, commit }, stacks: head.size, changes, planOrder: dependencyOrder(manifest, touched), ...(note ? { note } : {}) };
  };
  if (lockfileDiffers(options.root, commit)) {
    const note = `package-lock.json differs from ${commit.slice(0, 12)}: other library versions can change any stack`;
    return report(everyStack(head, 'package-lock.json changed'), note);
  }
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'changes-base-'));
  try {
    const baseOutdir = path.join(scratch, 'out');
    const synth = synthesizeRevision(options.root, commit, baseOutdir, options.env);
    if (synth.code !== 0) {
      const note = `the base revision ${commit.slice(0, 12)} does not synthesize, so every stack counts as changed:\n${synth.stderr.trim()}`;
      return report(everyStack(head, 'base does not synthesize'), note);
    }
    return report(compareFingerprints(fingerprintOutdir(baseOutdir), head));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
