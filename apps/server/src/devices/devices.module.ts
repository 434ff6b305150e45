import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { KeysModule } from '../keys/keys.module';
import { AccountResetController } from './account-reset.controller';
import { AccountResetService } from './account-reset.service';
import { DeviceLoginController } from './device-login.controller';
import { DeviceLoginService } from './device-login.service';
import { DevicesController } from './devices.controller';
import { DevicesRepository } from './devices.repository';
import { DevicesService } from './devices.service';

@Module({
  imports: [AccountsModule, AuditModule, AuthModule, KeysModule],
  controllers: [DevicesController, DeviceLoginController, AccountResetController],
  providers: [DevicesService, DevicesRepository, DeviceLoginService, AccountResetService],
  exports: [DevicesService],
})
export class DevicesModule {}
