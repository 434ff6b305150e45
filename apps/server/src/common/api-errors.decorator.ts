import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiResponse } from '@nestjs/swagger';

export class ErrorBodyDto {
  @ApiProperty({ description: 'Stable machine-readable code', example: 'validation_failed' })
  error: string;
  @ApiProperty({ description: 'Human-readable explanation' })
  message: string;
}

/** One `@ApiResponse` per error status, each saying what it means on this route. */
export function ApiErrors(descriptions: Record<number, string>) {
  return applyDecorators(
    ...Object.entries(descriptions).map(([status, description]) =>
      ApiResponse({ status: Number(status), description, type: ErrorBodyDto }),
    ),
  );
}
