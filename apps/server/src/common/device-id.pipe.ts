import { Injectable, PipeTransform } from '@nestjs/common';
import { ErrorCode } from '@parley/protocol';
import { ParleyException } from './parley.exception';

/**
 * A `:deviceId` path parameter: decimal digits, or 400. libsignal addresses
 * devices 1..127 and the server issues no others, so an id outside that
 * range names no device: 404 here, instead of reaching the database as a
 * number its integer column cannot hold (a 500).
 */
@Injectable()
export class DeviceIdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    if (!/^\d+$/.test(value)) throw new ParleyException(ErrorCode.ValidationFailed, 'deviceId must be a decimal integer');
    const deviceId = Number(value);
    if (deviceId < 1 || deviceId > 127) throw new ParleyException(ErrorCode.UnknownDevice, `no device ${value}`);
    return deviceId;
  }
}
