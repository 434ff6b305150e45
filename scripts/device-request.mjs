#!/usr/bin/env node
// Prints a POST /v1/devices body with real libsignal keys (identity, signed
// prekey, Kyber last-resort key and 5 one-time keys of each kind), for
// trying the API with curl: node scripts/device-request.mjs > device.json
// The private keys are thrown away: use the CLI (docs/CLI.md) to chat.
import { IdentityKeyPair, KEMKeyPair, PrivateKey } from '@signalapp/libsignal-client';

const b64 = (bytes) => Buffer.from(bytes).toString('base64');
const identity = IdentityKeyPair.generate();
const signed = (keyId, publicKey) => ({ keyId, publicKey: b64(publicKey), signature: b64(identity.privateKey.sign(publicKey)) });
const ecPublic = () => PrivateKey.generate().getPublicKey().serialize();
const kyberPublic = () => KEMKeyPair.generate().getPublicKey().serialize();

process.stdout.write(
  JSON.stringify(
    {
      name: process.argv[2] ?? 'curl device',
      registrationId: 1 + Math.floor(Math.random() * 16380),
      identityKey: b64(identity.publicKey.serialize()),
      signedPreKey: signed(1, ecPublic()),
      pqLastResortPreKey: signed(1, kyberPublic()),
      preKeys: Array.from({ length: 5 }, (_, i) => ({ keyId: i + 1, publicKey: b64(ecPublic()) })),
      pqPreKeys: Array.from({ length: 5 }, (_, i) => signed(i + 2, kyberPublic())),
    },
    null,
    2,
  ) + '\n',
);
