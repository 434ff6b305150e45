import { Module } from '@nestjs/common';
import { TransparencyModule } from '../transparency/transparency.module';
import { AccountIdentityRepository } from './account-identity.repository';
import { AccountsController } from './accounts.controller';
import { AccountsRepository } from './accounts.repository';
import { AccountsService } from './accounts.service';
import { DeviceListService } from './device-list.service';

@Module({
  imports: [TransparencyModule],
  controllers: [AccountsController],
  providers: [AccountsService, AccountsRepository, AccountIdentityRepository, DeviceListService],
  exports: [AccountsService, AccountsRepository, DeviceListService],
})
export class AccountsModule {}
