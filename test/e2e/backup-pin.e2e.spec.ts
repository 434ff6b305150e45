import * as opaque from '@serenity-kit/opaque';
import { newRecoveryKey, toBase64, unwrapRecoveryKey, wrapRecoveryKey, fromBase64 } from '@parley/crypto';
import { BACKUP_PIN_GUESSES, ErrorCode } from '@parley/protocol';
import { api, newUser, TestDevice } from '../support/fixtures';
import { startServer, TestServer } from '../support/server';

/**
 * The backup PIN (API.md section 10, "PIN") against a running server, with
 * the OPAQUE client a real client uses: the right PIN unwraps the recovery
 * key; each login start counts a guess, and after 10 without a right one
 * the wrapped key is gone, however the guesses arrive.
 */
describe('backup PIN (OPAQUE)', () => {
  const PIN = '482916';
  const keyStretching = 'memory-constrained';
  let server: TestServer;
  beforeAll(async () => {
    await opaque.ready;
    server = await startServer({ RATE_LIMITS: 'backupRead=100/3600,backupWrite=100/3600' });
  });
  afterAll(() => server?.stop());

  const accountToken = (device: TestDevice) => device.account.tokens.accessToken;

  /** Sets `pin` for the device's account over the wire; returns the recovery key it wraps. */
  async function setPin(device: TestDevice, pin = PIN): Promise<string> {
    const recoveryKey = newRecoveryKey();
    const { clientRegistrationState, registrationRequest } = opaque.client.startRegistration({ password: pin });
    const started = await api(server, 'POST', '/v1/backup-pin/registration', { registrationRequest }, { token: device.token });
    expect(started.status).toBe(200);
    const { registrationRecord, exportKey } = opaque.client.finishRegistration({
      clientRegistrationState,
      registrationResponse: started.body.registrationResponse,
      password: pin,
      keyStretching,
    });
    const wrappedKey = toBase64(wrapRecoveryKey(exportKey, recoveryKey));
    expect((await api(server, 'PUT', '/v1/backup-pin', { registrationRecord, wrappedKey }, { token: device.token })).status).toBe(204);
    return recoveryKey;
  }

  /** One login with `pin` from a password login's account token: the recovery key, or why not. */
  async function guess(device: TestDevice, pin: string): Promise<{ recoveryKey?: string; status: number; attemptsLeft?: number }> {
    const { clientLoginState, startLoginRequest } = opaque.client.startLogin({ password: pin });
    const started = await api(server, 'POST', '/v1/backup-pin/login', { startLoginRequest }, { token: accountToken(device) });
    if (started.status !== 200) return { status: started.status };
    const { loginResponse, attemptsLeft } = started.body;
    const finished = opaque.client.finishLogin({ clientLoginState, loginResponse, password: pin, keyStretching });
    if (!finished) return { status: 401, attemptsLeft };
    const done = await api(
      server,
      'POST',
      '/v1/backup-pin/login/finish',
      { finishLoginRequest: finished.finishLoginRequest },
      {
        token: accountToken(device),
      },
    );
    if (done.status !== 200) return { status: done.status, attemptsLeft };
    return { status: 200, attemptsLeft, recoveryKey: unwrapRecoveryKey(finished.exportKey, fromBase64(done.body.wrappedKey)) };
  }

  it('gives the recovery key to a login with the right PIN, and a right PIN forgives the wrong guesses before it', async () => {
    const alice = await newUser(server);
    const recoveryKey = await setPin(alice);
    expect(await guess(alice, '000000')).toEqual({ status: 401, attemptsLeft: BACKUP_PIN_GUESSES - 1 });
    expect(await guess(alice, PIN)).toEqual({ status: 200, attemptsLeft: BACKUP_PIN_GUESSES - 2, recoveryKey });
    expect(await guess(alice, PIN)).toMatchObject({ status: 200, attemptsLeft: BACKUP_PIN_GUESSES - 1 });
  });

  it(`deletes the wrapped key after ${BACKUP_PIN_GUESSES} wrong guesses: the right PIN then finds nothing`, async () => {
    const alice = await newUser(server);
    await setPin(alice);
    for (let i = 1; i <= BACKUP_PIN_GUESSES; i++) {
      expect(await guess(alice, `wrong${i}`)).toEqual({ status: 401, attemptsLeft: BACKUP_PIN_GUESSES - i });
    }
    expect(await guess(alice, PIN)).toEqual({ status: 404 });
    const again = opaque.client.startLogin({ password: PIN });
    const res = await api(
      server,
      'POST',
      '/v1/backup-pin/login',
      { startLoginRequest: again.startLoginRequest },
      { token: accountToken(alice) },
    );
    expect(res).toMatchObject({ status: 404, body: { error: ErrorCode.NotFound } });
  });

  it(`counts concurrent guesses exactly: of ${BACKUP_PIN_GUESSES + 5} at once, ${BACKUP_PIN_GUESSES} are answered`, async () => {
    const alice = await newUser(server);
    await setPin(alice);
    const starts = Array.from({ length: BACKUP_PIN_GUESSES + 5 }, (_, i) => opaque.client.startLogin({ password: `wrong${i}` }));
    const results = await Promise.all(
      starts.map(({ startLoginRequest }) =>
        api(server, 'POST', '/v1/backup-pin/login', { startLoginRequest }, { token: accountToken(alice) }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(BACKUP_PIN_GUESSES);
    expect(results.filter((r) => r.status === 404)).toHaveLength(5);
    expect(new Set(results.filter((r) => r.status === 200).map((r) => r.body.attemptsLeft)).size).toBe(BACKUP_PIN_GUESSES);
  });

  it('refuses a forged finish (a guess without the PIN) with 401 and keeps it counted', async () => {
    const alice = await newUser(server);
    const recoveryKey = await setPin(alice);
    const mallory = opaque.client.startLogin({ password: 'any' });
    await api(server, 'POST', '/v1/backup-pin/login', { startLoginRequest: mallory.startLoginRequest }, { token: accountToken(alice) });
    const forgedFinish = () =>
      api(server, 'POST', '/v1/backup-pin/login/finish', { finishLoginRequest: 'A'.repeat(86) }, { token: accountToken(alice) });
    expect(await forgedFinish()).toMatchObject({ status: 401, body: { error: ErrorCode.InvalidCredentials } });
    const replay = await forgedFinish();
    expect(replay).toMatchObject({ status: 401, body: { message: 'no PIN login in progress: start one first' } });
    expect(await guess(alice, PIN)).toEqual({ status: 200, attemptsLeft: BACKUP_PIN_GUESSES - 2, recoveryKey });
  });

  describe('refuses bad input with a code and stores nothing', () => {
    it('takes a device token to set a PIN: a password holder cannot replace it', async () => {
      const alice = await newUser(server);
      const { registrationRequest } = opaque.client.startRegistration({ password: PIN });
      const res = await api(server, 'POST', '/v1/backup-pin/registration', { registrationRequest }, { token: accountToken(alice) });
      expect(res).toMatchObject({ status: 403, body: { error: ErrorCode.DeviceTokenRequired } });
      const put = await api(
        server,
        'PUT',
        '/v1/backup-pin',
        { registrationRecord: 'AAAA', wrappedKey: 'AAAA' },
        { token: accountToken(alice) },
      );
      expect(put.status).toBe(403);
    });

    const record = 'A'.repeat(256);
    it.each([
      [
        'a registration request that is not base64url',
        'POST',
        '/v1/backup-pin/registration',
        { registrationRequest: 'not base64url!' },
        ErrorCode.ValidationFailed,
      ],
      [
        'a registration request OPAQUE cannot read',
        'POST',
        '/v1/backup-pin/registration',
        { registrationRequest: 'AAAA' },
        ErrorCode.ValidationFailed,
      ],
      [
        'a registration record OPAQUE cannot read',
        'PUT',
        '/v1/backup-pin',
        { registrationRecord: 'AAAA', wrappedKey: 'AAAA' },
        ErrorCode.ValidationFailed,
      ],
      [
        'a wrapped key that is not base64',
        'PUT',
        '/v1/backup-pin',
        { registrationRecord: record, wrappedKey: 'not base64' },
        ErrorCode.ValidationFailed,
      ],
      [
        'a wrapped key over 256 bytes',
        'PUT',
        '/v1/backup-pin',
        { registrationRecord: record, wrappedKey: toBase64(Buffer.alloc(257)) },
        ErrorCode.ValidationFailed,
      ],
      ['an unknown field', 'PUT', '/v1/backup-pin', { registrationRecord: record, wrappedKey: 'AAAA', extra: 1 }, ErrorCode.UnknownField],
      [
        'a login request OPAQUE cannot read (no guess counted)',
        'POST',
        '/v1/backup-pin/login',
        { startLoginRequest: 'AAAA' },
        ErrorCode.ValidationFailed,
      ],
    ])('refuses %s with 400', async (_name, method, path, body, error) => {
      const alice = await newUser(server);
      if (path.endsWith('/login')) await setPin(alice);
      expect(await api(server, method, path, body, { token: alice.token })).toMatchObject({ status: 400, body: { error } });
      if (path.endsWith('/login')) expect(await guess(alice, PIN)).toMatchObject({ status: 200, attemptsLeft: BACKUP_PIN_GUESSES - 1 });
      else expect((await api(server, 'DELETE', '/v1/backup-pin', undefined, { token: alice.token })).status).toBe(404);
    });
  });
});
