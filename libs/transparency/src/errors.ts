/** A proof, checkpoint or leaf that does not verify or does not parse. The message says which check failed. */
export class TransparencyError extends Error {
  override name = 'TransparencyError';
}
