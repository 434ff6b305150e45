import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { AddressResolver } from './address-resolver';
import { KeysController } from './keys.controller';
import { KeysRepository } from './keys.repository';
import { KeysService } from './keys.service';

@Module({
  imports: [AccountsModule],
  controllers: [KeysController],
  providers: [KeysService, KeysRepository, AddressResolver],
  exports: [KeysService, AddressResolver],
})
export class KeysModule {}
