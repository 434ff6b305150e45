import { Global, Module } from '@nestjs/common';
import { ParleyConfig } from './config';

/** Injection token of the validated ParleyConfig. */
export const PARLEY_CONFIG = Symbol('PARLEY_CONFIG');

@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: ParleyConfig) {
    return {
      module: ConfigModule,
      providers: [{ provide: PARLEY_CONFIG, useValue: config }],
      exports: [PARLEY_CONFIG],
    };
  }
}
