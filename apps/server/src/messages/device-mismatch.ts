/** A device as the server knows it, and as a sender addressed it. */
export interface KnownDevice {
  deviceId: number;
  registrationId: number;
}
export interface AddressedDevice {
  destinationDeviceId: number;
  destinationRegistrationId: number;
}

export interface DeviceMismatch {
  missingDevices: number[];
  extraDevices: number[];
  staleDevices: number[];
}

/**
 * Compares a fan-out with the destination's current devices (API.md
 * section 3). `senderDeviceId` is left out of what is required when the
 * destination is the sender's own account (sync copies). Missing or extra
 * devices win over stale ones: the contract answers 409 before 410.
 * Returns null when the fan-out matches exactly.
 */
export function findDeviceMismatch(current: KnownDevice[], addressed: AddressedDevice[], senderDeviceId?: number): DeviceMismatch | null {
  const required = new Map(current.filter((d) => d.deviceId !== senderDeviceId).map((d) => [d.deviceId, d.registrationId]));
  const addressedIds = new Set(addressed.map((m) => m.destinationDeviceId));
  const missingDevices = [...required.keys()].filter((id) => !addressedIds.has(id)).sort((a, b) => a - b);
  const extraDevices = [...addressedIds].filter((id) => !required.has(id)).sort((a, b) => a - b);
  const staleDevices = addressed
    .filter((m) => required.has(m.destinationDeviceId) && required.get(m.destinationDeviceId) !== m.destinationRegistrationId)
    .map((m) => m.destinationDeviceId)
    .sort((a, b) => a - b);
  if (missingDevices.length === 0 && extraDevices.length === 0 && staleDevices.length === 0) return null;
  return { missingDevices, extraDevices, staleDevices };
}
