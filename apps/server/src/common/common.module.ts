import { Global, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Clock } from './clock';
import { GlobalExceptionFilter } from './global-exception.filter';

@Global()
@Module({
  providers: [Clock, { provide: APP_FILTER, useClass: GlobalExceptionFilter }],
  exports: [Clock],
})
export class CommonModule {}
