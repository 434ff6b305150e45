import { Module } from '@nestjs/common';
import { AccountIdentityRepository } from './account-identity.repository';
import { AccountsController } from './accounts.controller';
import { AccountsRepository } from './accounts.repository';
import { AccountsService } from './accounts.service';
import { DeviceListService } from './device-list.service';

@Module({
  controllers: [AccountsController],
  providers: [AccountsService, AccountsRepository, AccountIdentityRepository, DeviceListService],
  exports: [AccountsService, AccountsRepository, DeviceListService],
})
export class AccountsModule {}
