// libsignal-client is ESM-only. Node >= 20.19 can require() ESM natively,
// but jest's sandboxed registry (and its wrappers of node:module) cannot.
// This environment runs outside the sandbox, so it loads the package once
// with Node's own require and hands it to the tests; test/support/libsignal.cjs
// re-exports it under the package's name (see moduleNameMapper).
const { TestEnvironment } = require('jest-environment-node');
const libsignal = require('@signalapp/libsignal-client');

class ParleyEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.global.__libsignal = libsignal;
  }
}
module.exports = ParleyEnvironment;
