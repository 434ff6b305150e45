import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { LoggerModule } from 'nestjs-pino';
import { AccountsModule } from './accounts/accounts.module';
import { AttachmentsModule } from './attachments/attachments.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { BackupsModule } from './backups/backups.module';
import { CommonModule } from './common/common.module';
import type { ParleyConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { DevicesModule } from './devices/devices.module';
import { FederationInboundModule } from './federation/inbound/federation-inbound.module';
import { GatewayModule } from './gateway/gateway.module';
import { HealthModule } from './health/health.module';
import { KeysModule } from './keys/keys.module';
import { LimitsModule } from './limits/limits.module';
import { MessagesModule } from './messages/messages.module';
import { MetricsModule } from './metrics/metrics.module';
import { ProvisioningModule } from './provisioning/provisioning.module';
import { PushModule } from './push/push.module';
import { SharedStateModule } from './shared-state/shared-state.module';
import { TransparencyModule } from './transparency/transparency.module';

/** Header and field names whose values never reach a log line. */
const REDACTED = ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'];

@Module({})
export class AppModule {
  static forConfig(config: ParleyConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            redact: { paths: REDACTED, censor: '[redacted]' },
            // Request bodies carry keys and ciphertexts: log method, path and status only.
            serializers: {
              req: (req: { method: string; url: string; id: unknown }) => ({ id: req.id, method: req.method, url: req.url }),
              res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
            },
            autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' },
          },
        }),
        // Periodic sweeps (@Interval): expiry of envelopes and attachments, inbound housekeeping.
        ScheduleModule.forRoot(),
        CommonModule,
        DatabaseModule,
        SharedStateModule,
        LimitsModule,
        MetricsModule,
        HealthModule,
        AccountsModule,
        AuditModule,
        AuthModule,
        KeysModule,
        TransparencyModule,
        DevicesModule,
        ProvisioningModule,
        AttachmentsModule,
        BackupsModule,
        MessagesModule,
        PushModule,
        GatewayModule,
        FederationInboundModule,
      ],
    };
  }
}
