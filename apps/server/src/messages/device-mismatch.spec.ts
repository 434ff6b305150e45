import { findDeviceMismatch } from './device-mismatch';

const devices = [
  { deviceId: 1, registrationId: 11 },
  { deviceId: 2, registrationId: 22 },
];
const to = (deviceId: number, registrationId: number) => ({ destinationDeviceId: deviceId, destinationRegistrationId: registrationId });

describe('findDeviceMismatch', () => {
  it.each([
    ['exact match', devices, [to(1, 11), to(2, 22)], undefined, null],
    ['a device missing', devices, [to(1, 11)], undefined, { missingDevices: [2], extraDevices: [], staleDevices: [] }],
    [
      'an unknown device',
      devices,
      [to(1, 11), to(2, 22), to(3, 33)],
      undefined,
      { missingDevices: [], extraDevices: [3], staleDevices: [] },
    ],
    [
      'missing and extra together',
      devices,
      [to(1, 11), to(5, 55)],
      undefined,
      { missingDevices: [2], extraDevices: [5], staleDevices: [] },
    ],
    ['a stale registration id', devices, [to(1, 11), to(2, 99)], undefined, { missingDevices: [], extraDevices: [], staleDevices: [2] }],
    ['sync: the sender device is not required', devices, [to(2, 22)], 1, null],
    [
      'sync: addressing the sender device is extra',
      devices,
      [to(1, 11), to(2, 22)],
      1,
      { missingDevices: [], extraDevices: [1], staleDevices: [] },
    ],
    ['sync: the only device sends to itself, nothing required', [devices[0]], [], 1, null],
    ['no devices at all and nothing addressed', [], [], undefined, null],
  ])('%s', (_name, current, addressed, sender, expected) => {
    expect(findDeviceMismatch(current, addressed, sender)).toEqual(expected);
  });
});
