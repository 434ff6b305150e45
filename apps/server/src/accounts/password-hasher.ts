import * as argon2 from 'argon2';

/** argon2id with OWASP's minimum parameters (19 MiB, 2 passes): memory-hard yet fine on 2 cores. */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string) => argon2.hash(password, OPTIONS);

/** A real hash of a random password: verifying unknown users against it costs as much as a real check. */
const DECOY_HASH = hashPassword(`decoy-${Math.random()}`);

/** Verifies `password` against `hash`, or against a decoy when there is no account, so timing does not reveal which. */
export async function verifyPassword(hash: string | null, password: string): Promise<boolean> {
  const ok = await argon2.verify(hash ?? (await DECOY_HASH), password).catch(() => false);
  return hash !== null && ok;
}
