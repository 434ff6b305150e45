#!/usr/bin/env node
// Prints a POST /v1/devices body with real libsignal keys (identity, signed
// prekey, Kyber last-resort key and 5 one-time keys of each kind) and a new
// account identity signing the account's first device list, for trying
// the API with curl on a fresh account:
//   node scripts/device-request.mjs alice laptop [domain] > device.json
// The private keys are thrown away: use the CLI (docs/CLI.md) to chat.
import { IdentityKeyPair, KEMKeyPair, PrivateKey } from '@signalapp/libsignal-client';

const [username = 'alice', name = 'curl device', domain = 'localhost'] = process.argv.slice(2);
const b64 = (bytes) => Buffer.from(bytes).toString('base64');
const identity = IdentityKeyPair.generate();
const account = IdentityKeyPair.generate();
const signed = (keyId, publicKey) => ({ keyId, publicKey: b64(publicKey), signature: b64(identity.privateKey.sign(publicKey)) });
const ecPublic = () => PrivateKey.generate().getPublicKey().serialize();
const kyberPublic = () => KEMKeyPair.generate().getPublicKey().serialize();
const registrationId = 1 + Math.floor(Math.random() * 16380);

// The signed bytes: docs/API.md, "Signed device lists".
const list = {
  address: `${username}@${domain}`,
  accountIdentityKey: b64(account.publicKey.serialize()),
  version: 1,
  timestamp: Date.now(),
  devices: [{ deviceId: 1, registrationId, identityKey: b64(identity.publicKey.serialize()) }],
};
const encoded = ['parley-device-list-v1', list.address, list.accountIdentityKey, list.version, list.timestamp]
  .concat(list.devices.map((d) => `${d.deviceId} ${d.registrationId} ${d.identityKey}`))
  .join('\n');

process.stdout.write(
  JSON.stringify(
    {
      name,
      registrationId,
      identityKey: b64(identity.publicKey.serialize()),
      signedPreKey: signed(1, ecPublic()),
      pqLastResortPreKey: signed(1, kyberPublic()),
      preKeys: Array.from({ length: 5 }, (_, i) => ({ keyId: i + 1, publicKey: b64(ecPublic()) })),
      pqPreKeys: Array.from({ length: 5 }, (_, i) => signed(i + 2, kyberPublic())),
      deviceList: { ...list, signature: b64(account.privateKey.sign(Buffer.from(encoded, 'utf8'))) },
    },
    null,
    2,
  ) + '\n',
);
