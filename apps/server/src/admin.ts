import 'reflect-metadata';
import { DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Command } from 'commander';
import { keyLogOriginOf } from '@parley/transparency';
import { ConfigError, loadConfig, ParleyConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { OutboxRepository } from './federation/outbound/outbox.repository';
import { PeersRepository } from './federation/outbound/peers.repository';
import { ServerIdentityRepository } from './federation/outbound/server-identity.repository';
import { RotationRefused, ServerKeyService } from './federation/outbound/server-key.service';
import { Clock } from './common/clock';
import { WitnessRepository } from './transparency/witness.repository';

/**
 * parley-admin: operator commands for federation (docs/FEDERATION.md,
 * "Admin commands"). Reads the same environment as the server and works
 * on its database directly. With embedded storage (no DATABASE_URL) only
 * one process may open the data dir, so stop the server first.
 */
@Module({})
class AdminModule {
  static forConfig(config: ParleyConfig): DynamicModule {
    return {
      module: AdminModule,
      imports: [ConfigModule.forRoot(config), DatabaseModule],
      providers: [Clock, PeersRepository, OutboxRepository, ServerIdentityRepository, ServerKeyService, WitnessRepository],
    };
  }
}

const iso = (date: Date | string | null) => (date ? new Date(date).toISOString() : '-');

function table(rows: Record<string, string | number>[]) {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${line(columns)}\n`);
  for (const row of rows) process.stdout.write(`${line(columns.map((c) => String(row[c])))}\n`);
}

interface AdminContext {
  peers: PeersRepository;
  outbox: OutboxRepository;
  serverKey: ServerKeyService;
  witness: WitnessRepository;
}

async function withContext<T>(config: ParleyConfig, work: (context: AdminContext) => Promise<T>): Promise<T> {
  const app = await NestFactory.createApplicationContext(AdminModule.forConfig(config), { logger: ['error'] });
  try {
    return await work({
      peers: app.get(PeersRepository),
      outbox: app.get(OutboxRepository),
      serverKey: app.get(ServerKeyService),
      witness: app.get(WitnessRepository),
    });
  } finally {
    await app.close();
  }
}

async function main(argv: string[]) {
  let config: ParleyConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`parley-admin: ${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const program = new Command('parley-admin').description('Parley server administration (federation)');

  const peers = program
    .command('peers')
    .description(
      'list configured peers: key, outbox depth and oldest queued send, last success, answers refused as not signed by the peer, last failure',
    )
    .action(() =>
      withContext(config, async ({ peers: repository, outbox }) => {
        const [rows, depths] = await Promise.all([repository.listPeers(), outbox.outboxDepthByPeer()]);
        const known = new Map(rows.map((r) => [r.domain, r]));
        const queues = new Map(depths.map((d) => [d.peer, d]));
        table(
          config.peers.map((peer) => {
            const row = known.get(peer.domain);
            const queue = queues.get(peer.domain);
            return {
              domain: peer.domain,
              baseUrl: peer.baseUrl,
              key: peer.publicKey
                ? `${peer.publicKey} (config)`
                : row?.public_key
                  ? `${row.public_key} (pinned ${iso(row.pinned_at)})`
                  : 'not pinned yet',
              outbox: queue?.depth ?? 0,
              oldestQueuedAge: queue ? `${Math.max(0, Math.floor((Date.now() - queue.oldest.getTime()) / 1000))}s` : '-',
              lastSuccess: iso(row?.last_success_at ?? null),
              badAnswers: row?.response_signature_failures ?? 0,
              lastFailure: row?.last_failure_at ? `${iso(row.last_failure_at)} ${row.last_error}` : '-',
            };
          }),
        );
        if (config.peers.length === 0) process.stdout.write('no peers configured (PARLEY_PEERS)\n');
      }),
    );
  peers
    .command('unpin <domain>')
    .description('forget the pinned key of a peer that legitimately changed its key; it is pinned again on next contact')
    .action((domain: string) =>
      withContext(config, async ({ peers: repository }) => {
        const done = await repository.unpinPeerKey(domain.toLowerCase());
        process.stdout.write(done ? `unpinned the key of ${domain}\n` : `no pinned key for ${domain}\n`);
        if (!done) process.exitCode = 1;
      }),
    );

  const serverKeyCommand = program
    .command('server-key')
    .description("show this server's domain and Ed25519 public key")
    .action(() =>
      withContext(config, async ({ serverKey }) => {
        const { domain, publicKey, rotations } = serverKey.publication();
        process.stdout.write(
          `domain: ${domain}\npublicKey: ${publicKey}\nsource: ${serverKey.source}\nrotations published: ${rotations.length}\n` +
            `peers may pin it in config: PARLEY_PEERS=${domain}=<this server's base URL>#${publicKey}\n`,
        );
      }),
    );
  serverKeyCommand
    .command('rotate')
    .description('replace the server key with a new one, announced by a statement signed with the current key, which peers follow')
    .action(() =>
      withContext(config, async ({ serverKey }) => {
        try {
          const rotation = await serverKey.rotate();
          process.stdout.write(
            `rotated the server key of ${config.domain}: ${rotation.previousPublicKey} -> ${rotation.nextPublicKey}, ` +
              `in effect from ${rotation.effectiveAt.toISOString()}\n` +
              `peers that pinned the old key follow the rotation; peers that configured it in PARLEY_PEERS must set #${rotation.nextPublicKey}\n`,
          );
        } catch (error) {
          if (!(error instanceof RotationRefused)) throw error;
          process.stderr.write(`parley-admin: rotation refused: ${error.message}\n`);
          process.exitCode = 1;
        }
      }),
    );

  const outbox = program.command('outbox').description('inspect or retry sends queued for peers');
  outbox
    .command('list')
    .description('queued sends, oldest first')
    .option('--limit <n>', 'at most this many rows', '100')
    .action((options: { limit: string }) =>
      withContext(config, async ({ outbox: repository }) => {
        const rows = await repository.listOutbox(Number(options.limit));
        table(
          rows.map((r) => ({
            id: r.seq,
            transaction: r.transaction_id,
            peer: r.peer,
            destination: r.destination,
            sender: `${r.sender_account_id}.${r.sender_device_id}`,
            attempts: r.attempts,
            nextAttempt: iso(r.next_attempt_at),
            expires: iso(r.expires_at),
            lastError: r.last_error ?? '-',
          })),
        );
        if (rows.length === 0) process.stdout.write('the outbox is empty\n');
      }),
    );
  outbox
    .command('retry <id>')
    .description('make a queued send due now; a running server sends it on its next poll')
    .action((id: string) =>
      withContext(config, async ({ outbox: repository }) => {
        if (!/^\d+$/.test(id)) throw new Error('id must be a number from `outbox list`');
        const done = await repository.retryOutboxNow(id, new Date());
        process.stdout.write(done ? `outbox row ${id} is due now\n` : `no outbox row ${id}\n`);
        if (!done) process.exitCode = 1;
      }),
    );

  program
    .command('witness')
    .description("this server as a witness of its peers' key logs")
    .command('forgive <domain>')
    .description(
      "cosign a peer's key log afresh after it was caught equivocating, once you established that its log was legitimately reset (the evidence stays)",
    )
    .action((domain: string) =>
      withContext(config, async ({ witness }) => {
        const origin = keyLogOriginOf(domain.toLowerCase());
        const done = await witness.forgetLog(origin);
        process.stdout.write(done ? `forgot ${origin}: its next checkpoint is cosigned afresh\n` : `no witnessed log ${origin}\n`);
        if (!done) process.exitCode = 1;
      }),
    );

  await program.parseAsync(argv);
}

main(process.argv).catch((error) => {
  process.stderr.write(`parley-admin: ${(error as Error).message}\n`);
  process.exit(1);
});
