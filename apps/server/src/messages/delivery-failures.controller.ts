import { Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedDevice } from '../auth/authenticated-user';
import { ApiErrors } from '../common/api-errors.decorator';
import { DeliveryFailureListDto } from './dto/delivery-failures.dto';
import { DeliveryFailuresService } from './delivery-failures.service';

@ApiTags('messages')
@Controller('v1/delivery-failures')
@Authenticated()
export class DeliveryFailuresController {
  constructor(private readonly failures: DeliveryFailuresService) {}

  @Get()
  @ApiOperation({ summary: "This device's federated sends that finally failed, not yet acknowledged (at most 100, oldest first)" })
  @ApiResponse({ status: 200, type: DeliveryFailureListDto })
  list(@CurrentUser() device: AuthenticatedDevice) {
    return this.failures.list(device);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: "Acknowledge a delivery:failed notice: it is deleted; idempotent, and only this device's own" })
  @ApiResponse({ status: 204, description: 'Gone (or never was this device’s).' })
  @ApiErrors({ 400: 'id is not a UUID.' })
  acknowledge(@CurrentUser() device: AuthenticatedDevice, @Param('id', new ParseUUIDPipe()) id: string) {
    return this.failures.acknowledge(device, id);
  }
}
