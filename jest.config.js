/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(ts|js)$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // ESM-only packages: otplib's crypto and base32 plugins (@scure, @noble) and @kubernetes/client-node with the
  // ESM-only libraries it imports (openid-client, oauth4webapi, jose). Node itself loads them with require(esm);
  // jest's module loader does not, so swc turns them into CommonJS here.
  transformIgnorePatterns: ['/node_modules/(?!(@scure|@noble|@kubernetes|openid-client|oauth4webapi|jose)/)'],
  // Integration tests share one sandbox (Temporal + moto); run files one at a time on 2 cores.
  maxWorkers: 1,
  testTimeout: 120000,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};
