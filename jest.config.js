/** One config for every suite: unit, medium (real database) and e2e (a running server). */
module.exports = {
  rootDir: __dirname,
  testEnvironment: '<rootDir>/test/support/environment.cjs',
  testMatch: ['<rootDir>/{apps,libs,test}/**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  moduleNameMapper: {
    '^@signalapp/libsignal-client$': '<rootDir>/test/support/libsignal.cjs',
    '^@signalapp/libsignal-client/dist/AccountKeys\\.js$': '<rootDir>/test/support/libsignal-account-keys.cjs',
    '^@electric-sql/pglite$': '<rootDir>/test/support/pglite.cjs',
    '^@parley/protocol$': '<rootDir>/libs/protocol/src',
    '^@parley/protocol/(.*)$': '<rootDir>/libs/protocol/src/$1',
    '^@parley/crypto$': '<rootDir>/libs/crypto/src',
    '^@parley/crypto/(.*)$': '<rootDir>/libs/crypto/src/$1',
    '^@parley/transparency$': '<rootDir>/libs/transparency/src',
    '^@parley/transparency/(.*)$': '<rootDir>/libs/transparency/src/$1',
    '^@parley/migrations$': '<rootDir>/migrations',
    '^@parley/testkit$': '<rootDir>/libs/testkit/src',
  },
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
