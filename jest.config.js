/**
 * Three projects: `unit` (synthesized JSON and configuration, no Terraform binary; the fast
 * loop, `npm run test:unit`), `terraform` (real terraform validate/plan and protocol
 * servers) and `git` (pull requests in temporary git repositories). `npm test` runs all. TypeScript is transpiled by SWC without type checking;
 * `npm run typecheck` checks types.
 *
 * Speed (measured by `npm run bench`, see docs/performance.md):
 *  - the test environment formats the creation stacks cdktf records for every token without
 *    source maps (see __tests__/helpers/jest-environment.js); failures keep mapped stacks;
 *  - the default configuration is synthesized once, before the test files run
 *    (__tests__/helpers/global-setup.js), not once in every file that reads it;
 *  - at least two workers: Jest's default (cores - 1) runs everything in one process on a
 *    2-core machine, and the tests that spawn a synth or Terraform leave that core idle.
 */
const os = require('node:os');

const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }] };
const common = {
  testEnvironment: '<rootDir>/__tests__/helpers/jest-environment.js',
  // One synth of the default configuration for every test file that reads it (synthDefault()).
  globalSetup: '<rootDir>/__tests__/helpers/global-setup.js',
  globalTeardown: '<rootDir>/__tests__/helpers/global-teardown.js',
  transform,
  moduleFileExtensions: ['ts', 'js', 'json'],
};

module.exports = {
  maxWorkers: Math.max(2, os.availableParallelism() - 1),
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/__tests__/**/*.test.ts'], testPathIgnorePatterns: ['\\.(tf|git)\\.test\\.ts$'] },
    { ...common, displayName: 'terraform', testMatch: ['<rootDir>/__tests__/**/*.tf.test.ts'] },
    // Pull requests in a temporary git repository at 1 x 50 services: a dozen synths of 53 stacks.
    { ...common, displayName: 'git', testMatch: ['<rootDir>/__tests__/**/*.git.test.ts'] },
  ],
};
