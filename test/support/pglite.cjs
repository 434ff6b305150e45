// PGlite, loaded by Node's real require in test/support/environment.cjs (its
// wasm needs a dynamic import, which jest's sandbox cannot do), re-exported
// under the package's name (see moduleNameMapper).
//
// PGlite then lives in the worker's own realm, and jest gives each test file
// a realm of its own: a test's Date fails PGlite's `instanceof Date`, so
// binding one as a parameter throws "Invalid input for date type", and the
// Dates PGlite returns are not the test's Dates. Every PGlite created here
// therefore serializes a Date of either realm and parses dates into this
// realm's Date. (Buffer and Uint8Array are shared by jest, so bytea is fine.)
const pglite = globalThis.__pglite;
const { types } = pglite;

const isDate = (value) => Object.prototype.toString.call(value) === '[object Date]';
const DATE_TYPES = [types.DATE, types.TIMESTAMP, types.TIMESTAMPTZ];
const serializers = Object.fromEntries(
  DATE_TYPES.map((oid) => [oid, (value) => (isDate(value) ? value.toISOString() : types.serializers[oid](value))]),
);
const parsers = Object.fromEntries(
  DATE_TYPES.map((oid) => [
    oid,
    (text, typeId) => {
      const parsed = types.parsers[oid](text, typeId);
      return isDate(parsed) ? new Date(parsed.getTime()) : parsed;
    },
  ]),
);

class PGlite extends pglite.PGlite {
  static create(dataDirOrOptions, options) {
    const given = typeof dataDirOrOptions === 'string' ? { dataDir: dataDirOrOptions, ...options } : { ...dataDirOrOptions };
    return super.create({
      ...given,
      serializers: { ...serializers, ...given.serializers },
      parsers: { ...parsers, ...given.parsers },
    });
  }
}

module.exports = { ...pglite, PGlite };
