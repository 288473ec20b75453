/**
 * Which stacks a change touches: the fingerprints of the base synth against those of the
 * changed synth (lib/changes/fingerprint.ts). A stack is touched when it is new, removed,
 * or its Terraform JSON, its lock file or a producer output it reads changed; the last
 * makes the consumers of a producer whose outputs change plan with it.
 */
import { StackFingerprint } from './fingerprint';

export type ChangeKind = 'added' | 'removed' | 'changed';

export interface StackChange {
  readonly stack: string;
  readonly kind: ChangeKind;
  /** Why, in words: `Terraform JSON`, `provider lock file`, `input dev-network.<output>`, ... */
  readonly reasons: readonly string[];
}

/** Why `head` differs from `base`; empty when they plan alike. */
export function reasonsOf(base: StackFingerprint, head: StackFingerprint): string[] {
  const reasons: string[] = [];
  if (base.terraform !== head.terraform) reasons.push('Terraform JSON');
  if (base.lock !== head.lock) reasons.push('provider lock file');
  const names = [...new Set([...Object.keys(base.inputs), ...Object.keys(head.inputs)])].sort();
  for (const input of names) if (base.inputs[input] !== head.inputs[input]) reasons.push(`input ${input}`);
  return reasons;
}

/** The touched stacks: head's order first (added and changed), then the removed ones. */
export function compareFingerprints(base: ReadonlyMap<string, StackFingerprint>, head: ReadonlyMap<string, StackFingerprint>): StackChange[] {
  const changes: StackChange[] = [];
  for (const [stack, fp] of head) {
    const before = base.get(stack);
    if (!before) changes.push({ stack, kind: 'added', reasons: ['new stack'] });
    else if (before.digest !== fp.digest) changes.push({ stack, kind: 'changed', reasons: reasonsOf(before, fp) });
  }
  for (const stack of base.keys()) if (!head.has(stack)) changes.push({ stack, kind: 'removed', reasons: ['stack removed'] });
  return changes;
}

/** Every stack of `head` as touched, for a change whose effect cannot be told stack by stack. */
export function everyStack(head: ReadonlyMap<string, StackFingerprint>, reason: string): StackChange[] {
  return [...head.keys()].map((stack) => ({ stack, kind: 'changed', reasons: [reason] }));
}
