import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { Limits } from '@parley/protocol';
import { AppModule } from './app.module';
import type { ParleyConfig } from './config/config';
import { createValidationPipe } from './common/validation.pipe';

/** Builds the whole server for a validated config: HTTP, docs, and (through modules) sockets. */
export async function createApp(config: ParleyConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), {
    bufferLogs: true,
    bodyParser: false,
    // Federation signatures cover the exact body bytes (FederationSignatureGuard reads req.rawBody).
    rawBody: true,
  });
  app.useLogger(app.get(Logger));
  app.useBodyParser('json', { limit: Limits.maxRequestBytes });
  app.useGlobalPipes(createValidationPipe());
  app.set('trust proxy', config.trustProxy);
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Parley')
      .setDescription(
        'End-to-end encrypted messaging server. The wire contract is docs/API.md; this description is generated from the code.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}
