/** The configuration modules import each other without a cycle (each has one job, shared types live apart). */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const dir = path.join(__dirname, '..', 'config');

/** config/*.ts module -> the config modules it imports (type-only imports included). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(path.join(dir, file), 'utf8');
    const targets = [...source.matchAll(/from '\.\/([\w-]+)'/g)].map((m) => m[1]);
    graph.set(file.replace(/\.ts$/, ''), targets);
  }
  return graph;
}

function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (node: string, trail: string[]): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'visiting') return [...trail.slice(trail.indexOf(node)), node];
    state.set(node, 'visiting');
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next, [...trail, node]);
      if (cycle) return cycle;
    }
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node, []);
    if (cycle) return cycle;
  }
  return undefined;
}

test('config/*.ts has no import cycle', () => {
  const graph = importGraph();
  expect(graph.get('validate-services')).toBeDefined();
  expect(findCycle(graph)).toBeUndefined();
});

test('the check finds a cycle', () => {
  expect(findCycle(new Map([['a', ['b']], ['b', ['a']]]))).toEqual(['a', 'b', 'a']);
});
