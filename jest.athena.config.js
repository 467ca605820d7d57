/**
 * Athena conformance suite: every detection and saved query on a real Trino (Athena engine v3
 * is Trino) against the Glue table definition, compared with DuckDB. `npm run test:athena`.
 * globalSetup provisions (cached) and starts Trino on 127.0.0.1; globalTeardown stops it.
 * Set FLOWWATCH_TRINO_URL + FLOWWATCH_TRINO_FS_ROOT to reuse a Trino started by
 * scripts/trino/start.sh instead.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/conformance'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  globalSetup: '<rootDir>/test/conformance/global-setup.ts',
  globalTeardown: '<rootDir>/test/conformance/global-teardown.ts',
  // One Trino, two cores: files run one after another.
  maxWorkers: 1,
  testTimeout: 600000,
};
