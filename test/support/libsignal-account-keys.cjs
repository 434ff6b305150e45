// Loaded by Node's real require in test/support/environment.cjs; see there.
module.exports = globalThis.__libsignalAccountKeys;
