/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(ts|js)$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // otplib's crypto and base32 plugins depend on ESM-only packages: let swc turn them into CommonJS for jest
  // (Node itself loads them with require(esm)).
  transformIgnorePatterns: ['/node_modules/(?!(@scure|@noble)/)'],
  // Integration tests share one sandbox (Temporal + moto); run files one at a time on 2 cores.
  maxWorkers: 1,
  testTimeout: 120000,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};
