import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import { EquivocationsDto } from './dto/witness.dto';
import { WitnessService } from './witness.service';

@ApiTags('transparency')
@Controller('v1/transparency')
export class WitnessController {
  constructor(private readonly witness: WitnessService) {}

  @Get('equivocations')
  @Public()
  @ApiOperation({
    summary:
      'Equivocations this server caught as a witness of its peers’ key logs, newest first (public: signed checkpoints only, nothing about any account)',
  })
  @ApiResponse({ status: 200, type: EquivocationsDto, description: 'Up to 100 records, each with both signed checkpoints as evidence.' })
  equivocations() {
    return this.witness.equivocations();
  }
}
