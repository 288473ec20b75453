/**
 * Test helpers for the preflight: hand-broken variants of real synthesized JSON. Each test
 * takes a deep copy of every stack of a synth, changes it, and analyzes the copy.
 */
import { analyze } from '../../lib/preflight/analyze';
import { stackFromJson } from '../../lib/preflight/read-synth';
import type { PathCheck, PreflightReport, Verdict } from '../../lib/preflight/types';
import type { Json, Synthesized } from './synth';

export type Stacks = Record<string, Json>;

/** Deep copies of every stack of a synth. */
export function stacksOf(synth: Synthesized): Stacks {
  return Object.fromEntries(synth.stackNames().map((name) => [name, structuredClone(synth.stack(name))]));
}

/** The container definitions of a task definition resource, parsed. */
export function containersOf(task: Json): Json[] {
  return JSON.parse(task.container_definitions as string) as Json[];
}

/** Changes the container definitions of a task definition resource. */
export function editContainers(task: Json, change: (containers: Json[]) => void): void {
  const containers = containersOf(task);
  change(containers);
  task.container_definitions = JSON.stringify(containers);
}

/** Analyzes (copies of) stacks, optionally only some of them. */
export function preflightOf(stacks: Stacks, only: (name: string) => boolean = () => true): PreflightReport {
  const names = Object.keys(stacks).filter(only);
  return analyze(
    names.map((name) => stackFromJson(name, stacks[name])),
    'test',
  );
}

/** Every check of a service (by stack name), optionally of one path. */
export function checksOf(report: PreflightReport, stack: string, path?: string): PathCheck[] {
  const service = report.services.find((s) => s.service.stack.name === stack);
  if (!service) throw new Error(`no service in stack ${stack}; services: ${report.services.map((s) => s.service.stack.name).join(', ')}`);
  return service.checks.filter((c) => path === undefined || c.path === path);
}

/** `path -> verdicts` of a service, e.g. { 'ecr-api': ['pass', 'fail'] } (one per subnet). */
export function verdicts(report: PreflightReport, stack: string): Record<string, Verdict[]> {
  const out: Record<string, Verdict[]> = {};
  for (const c of checksOf(report, stack)) (out[c.path] ??= []).push(c.verdict);
  return out;
}

/** The [name, resource] pairs of a type in a stack whose name matches. */
export function named(stack: Json, type: string, name: RegExp): [string, Json][] {
  const all = Object.entries((stack.resource?.[type] ?? {}) as Record<string, Json>).filter(([n]) => name.test(n));
  if (all.length === 0) throw new Error(`no ${type} matching ${name}`);
  return all;
}

/** The one resource of a type in a stack whose name matches. */
export function one(stack: Json, type: string, name: RegExp = /./): Json {
  const all = named(stack, type, name);
  if (all.length !== 1) throw new Error(`expected one ${type} matching ${name}, found ${all.length}`);
  return all[0][1];
}

export function remove(stack: Json, type: string, name: RegExp): void {
  for (const [key] of named(stack, type, name)) delete stack.resource[type][key];
}

/** Every verdict of a report, counted. */
export function tally(report: PreflightReport): Record<Verdict, number> {
  const out: Record<Verdict, number> = { pass: 0, warn: 0, fail: 0, unknown: 0 };
  for (const s of report.services) for (const c of s.checks) out[c.verdict]++;
  return out;
}
