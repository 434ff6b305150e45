import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { DevicesModule } from '../devices/devices.module';
import { KeysModule } from '../keys/keys.module';
import { MessagesModule } from '../messages/messages.module';
import { MessagesGateway } from './messages.gateway';

@Module({
  imports: [AuthModule, DevicesModule, KeysModule, MessagesModule],
  providers: [MessagesGateway],
})
export class GatewayModule {}
