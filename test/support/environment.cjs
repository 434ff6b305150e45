// libsignal-client is ESM-only. Node >= 20.19 can require() ESM natively,
// but jest's sandboxed registry (and its wrappers of node:module) cannot.
// PGlite has a CommonJS build, but it loads its wasm through a dynamic
// import(), which jest's sandbox cannot run either.
// This environment runs outside the sandbox, so it loads both packages once
// per worker with Node's own require and hands them to the tests;
// test/support/libsignal.cjs and test/support/pglite.cjs re-export them
// under the packages' names (see moduleNameMapper).
const { TestEnvironment } = require('jest-environment-node');
const libsignal = require('@signalapp/libsignal-client');
// The account entropy pool (recovery keys) is a module of the package that its index does not re-export.
const libsignalAccountKeys = require('@signalapp/libsignal-client/dist/AccountKeys.js');
const pglite = require('@electric-sql/pglite');

/**
 * Outlives a test file, unlike the sandbox's modules: what every test file
 * of this worker may reuse, e.g. the migrated PGlite template of
 * test/medium/medium-context.ts.
 */
const workerCache = new Map();

class ParleyEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.global.__libsignal = libsignal;
    this.global.__libsignalAccountKeys = libsignalAccountKeys;
    this.global.__pglite = pglite;
    this.global.__workerCache = workerCache;
  }
}
module.exports = ParleyEnvironment;
