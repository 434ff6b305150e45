import { Global, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { GlobalExceptionFilter } from './global-exception.filter';
import { ParleyEvents } from './parley-events';

@Global()
@Module({
  providers: [ParleyEvents, { provide: APP_FILTER, useClass: GlobalExceptionFilter }],
  exports: [ParleyEvents],
})
export class CommonModule {}
