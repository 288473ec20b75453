/**
 * Two projects: `unit` (synthesized JSON and configuration, no Terraform binary; the fast
 * loop, `npm run test:unit`) and `terraform` (real terraform validate/plan and protocol
 * servers). `npm test` runs both. TypeScript is transpiled by SWC without type checking;
 * `npm run typecheck` checks types.
 */
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }] };
const common = { testEnvironment: 'node', transform, moduleFileExtensions: ['ts', 'js', 'json'] };

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/__tests__/**/*.test.ts'], testPathIgnorePatterns: ['\\.tf\\.test\\.ts$'] },
    { ...common, displayName: 'terraform', testMatch: ['<rootDir>/__tests__/**/*.tf.test.ts'] },
  ],
};
