import { ErrorCode } from '@parley/protocol';
import type { SignedDeviceList } from '@parley/protocol';
import { checkAccountReset, ResetContext } from './account-reset';

const OLD_IDENTITY = 'BW9sZA==';
const NEW_IDENTITY = 'BW5ldw==';
const newDevice = { deviceId: 4, registrationId: 44, identityKey: 'BWRldjQ=' };
const context: ResetContext = { address: 'bob@b.example', accountIdentityKey: OLD_IDENTITY, version: 3, newDevice };
// The signature is the caller's to check; the rule looks at everything else.
const list = (edit: Partial<SignedDeviceList> = {}): SignedDeviceList => ({
  address: 'bob@b.example',
  accountIdentityKey: NEW_IDENTITY,
  version: 4,
  timestamp: 1,
  devices: [newDevice],
  signature: 'c2ln',
  ...edit,
});

describe('checkAccountReset', () => {
  it.each<[string, ResetContext, SignedDeviceList, ErrorCode | null]>([
    ['a new identity, version + 1, only the new device', context, list(), null],
    ['another address', context, list({ address: 'mallory@b.example' }), ErrorCode.InvalidDeviceList],
    [
      'the same identity as now (a device change, not a reset)',
      context,
      list({ accountIdentityKey: OLD_IDENTITY }),
      ErrorCode.InvalidDeviceList,
    ],
    [
      'an account without an identity yet',
      { ...context, accountIdentityKey: null, version: 0 },
      list({ version: 1 }),
      ErrorCode.InvalidDeviceList,
    ],
    ['the current version again', context, list({ version: 3 }), ErrorCode.StaleDeviceList],
    ['two versions ahead', context, list({ version: 5 }), ErrorCode.StaleDeviceList],
    ['the version starting over at 1', context, list({ version: 1 }), ErrorCode.StaleDeviceList],
    [
      'an old device kept besides the new one',
      context,
      list({ devices: [{ ...newDevice, deviceId: 1 }, newDevice] }),
      ErrorCode.InvalidDeviceList,
    ],
    ['the new device under another id', context, list({ devices: [{ ...newDevice, deviceId: 5 }] }), ErrorCode.InvalidDeviceList],
    [
      'the new device with another registration id',
      context,
      list({ devices: [{ ...newDevice, registrationId: 45 }] }),
      ErrorCode.InvalidDeviceList,
    ],
    [
      'the new device with another identity key',
      context,
      list({ devices: [{ ...newDevice, identityKey: 'BXg=' }] }),
      ErrorCode.InvalidDeviceList,
    ],
    ['no device at all', context, list({ devices: [] }), ErrorCode.InvalidDeviceList],
    ['the new device listed twice', context, list({ devices: [newDevice, newDevice] }), ErrorCode.InvalidDeviceList],
  ])('%s', (_name, ctx, proposed, expected) => {
    expect(checkAccountReset(ctx, proposed)?.code ?? null).toBe(expected);
  });

  it('tells a stale signer the current version', () => {
    expect(checkAccountReset(context, list({ version: 9 }))).toMatchObject({ extra: { currentVersion: 3 } });
  });
});
