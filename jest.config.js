/** Unit, engine (DuckDB), infra (CDK) and runtime (moto) tests. The Trino suite has its own config. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/conformance/'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  // Builds dist/ for the CLI tests, which spawn the real command.
  globalSetup: '<rootDir>/jest.global-setup.js',
  testTimeout: 120000,
};
