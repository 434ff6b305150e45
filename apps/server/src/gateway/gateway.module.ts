import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { MessagesModule } from '../messages/messages.module';
import { MessagesGateway } from './messages.gateway';

@Module({
  imports: [AuthModule, MessagesModule],
  providers: [MessagesGateway],
})
export class GatewayModule {}
