import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import type { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import type { ParleyConfig } from '../config/config';
import type { DeliveryBus } from '../delivery/delivery-bus';
import { MemoryRevocationList } from './revocation-list';
import type { SessionsRepository } from './sessions.repository';
import { TokenService } from './token.service';

const START = Date.UTC(2026, 11, 7, 12);

/** TokenService.authenticate with real JWTs and the real Clock, on Jest's system time (which jsonwebtoken reads too). */
function tokensAndRevocations() {
  const clock = new Clock();
  const jwt = new JwtService({ secret: 'x'.repeat(32), signOptions: { algorithm: 'HS256' }, verifyOptions: { algorithms: ['HS256'] } });
  const revocations = new MemoryRevocationList(clock);
  const config = { accessTokenTtlSeconds: 60 } as ParleyConfig;
  // authenticate touches none of these.
  const unused = {} as SessionsRepository & DeliveryBus & AuditService;
  const tokens = new TokenService(config, jwt, unused, revocations, unused, clock, unused);
  const sign = (sid: string, expiresIn = 60) => jwt.sign({ sub: 'a1', usr: 'alice', dev: 1, sid }, { expiresIn });
  return { tokens, revocations, sign };
}

describe('TokenService.authenticate: verified tokens are kept, within what the token allows', () => {
  beforeEach(() => jest.useFakeTimers({ now: START, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  it('refuses a token it verified before once its session is revoked', async () => {
    const { tokens, revocations, sign } = tokensAndRevocations();
    const sid = randomUUID();
    const token = sign(sid);
    await expect(tokens.authenticate(token)).resolves.toMatchObject({ accountId: 'a1', deviceId: 1, sessionId: sid });
    await revocations.revoke([sid], 60);
    await expect(tokens.authenticate(token)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('refuses a token it verified before once the token has expired', async () => {
    const { tokens, sign } = tokensAndRevocations();
    const token = sign(randomUUID(), 60);
    await expect(tokens.authenticate(token)).resolves.toMatchObject({ accountId: 'a1' });
    jest.setSystemTime(START + 59_999);
    await expect(tokens.authenticate(token)).resolves.toMatchObject({ accountId: 'a1' });
    jest.setSystemTime(START + 60_000);
    await expect(tokens.authenticate(token)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('refuses a token whose signature was changed, even when the same claims were verified', async () => {
    const { tokens, sign } = tokensAndRevocations();
    const token = sign(randomUUID());
    await tokens.authenticate(token);
    const [header, payload, signature] = token.split('.');
    const forged = `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    await expect(tokens.authenticate(forged)).rejects.toMatchObject({ code: 'unauthorized' });
  });
});
