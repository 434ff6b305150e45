import { generateDeviceKeys } from '@parley/crypto';
import { api, newUser, PASSWORD, registrationFor, removalFor, TestDevice, uniqueUsername } from '../support/fixtures';
import { startServer, TestServer } from '../support/server';

/**
 * "Never a 5xx for bad input" (API.md, Conventions): every route of
 * sections 1 and 2 gets bodies of the wrong shape and odd path parameters,
 * and must answer 4xx each time.
 */
describe('bad input never answers 5xx', () => {
  let server: TestServer;
  let device: TestDevice;
  beforeAll(async () => {
    server = await startServer({
      RATE_LIMITS: 'keyFetch=100000/1,loginFailuresPerIp=100000/1,registrationPerIp=100000/1',
      LOGIN_BACKOFF: 'perAddress=100000/1/1,perAccount=100000/1/1',
    });
    device = await newUser(server);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const validBodies: Record<string, () => Record<string, unknown>> = {
    'POST /v1/accounts': () => ({ username: uniqueUsername(), password: PASSWORD }),
    'POST /v1/auth/login': () => ({ username: device.username, password: 'wrong password' }),
    'POST /v1/auth/refresh': () => ({ refreshToken: 'x.0.y' }),
    'POST /v1/auth/challenge': () => ({ username: device.username, deviceId: 1 }),
    'POST /v1/auth/device': () => ({
      username: device.username,
      deviceId: 1,
      challenge: Buffer.alloc(32).toString('base64'),
      signature: Buffer.alloc(64).toString('base64'),
    }),
    'POST /v1/devices': () => registrationFor(device.account, generateDeviceKeys(1), 'x').request as unknown as Record<string, unknown>,
    'DELETE /v1/devices/1': () => removalFor(device.account, 1).request,
    'PUT /v1/provisioning/6f1c2b9e-2f43-4c37-9d8e-0d3c1f5b7a21': () => ({ message: 'AAAA' }),
    'PUT /v1/keys': () => {
      const r = registrationFor(device.account, generateDeviceKeys(1), 'x').request;
      return { signedPreKey: r.signedPreKey, pqLastResortPreKey: r.pqLastResortPreKey, preKeys: r.preKeys, pqPreKeys: r.pqPreKeys };
    },
  };

  /** Replacements tried for every field of a valid body. */
  const oddValues: unknown[] = [
    null,
    true,
    0,
    -1,
    1.5,
    2 ** 53,
    '',
    'x'.repeat(10_000),
    [],
    [{}],
    {},
    { a: { b: { c: [] } } },
    '\u0000',
    'ünïcödé',
  ];

  it.each(Object.keys(validBodies))('%s with each field replaced by odd values', async (route) => {
    const [method, path] = route.split(' ');
    const base = validBodies[route]();
    const statuses: string[] = [];
    for (const field of Object.keys(base)) {
      for (const value of oddValues) {
        const res = await api(server, method, path, { ...base, [field]: value }, { token: device.token });
        if (res.status >= 500) statuses.push(`${field}=${JSON.stringify(value)?.slice(0, 30)}: ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
    expect(statuses).toEqual([]);
  });

  it.each(Object.keys(validBodies))('%s with odd whole bodies', async (route) => {
    const [method, path] = route.split(' ');
    const failures: string[] = [];
    const raws = [
      '',
      '{',
      'null',
      '[]',
      '"text"',
      '12',
      '{"__proto__": {"admin": true}}',
      '{"constructor": {"prototype": {}}}',
      '[{"a":1}]',
      '{'.repeat(5000),
    ];
    for (const raw of raws) {
      const res = await api(server, method, path, undefined, { token: device.token, raw });
      if (res.status >= 500) failures.push(`${raw.slice(0, 20)}: ${res.status}`);
    }
    const textPlain = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${device.token}`, 'content-type': 'text/plain' },
      body: 'hello',
    });
    if (textPlain.status >= 500) failures.push(`text/plain: ${textPlain.status}`);
    expect(failures).toEqual([]);
  });

  it.each([...Object.keys(validBodies), 'PUT /v1/messages/nobody'])(
    '%s with a body nested 5,000 levels deep: 400, not a 500',
    async (route) => {
      const [method, path] = route.split(' ');
      const deep = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
      const arrays = '['.repeat(5000) + ']'.repeat(5000);
      for (const raw of [deep, `{"messages":${arrays},"timestamp":1}`]) {
        const res = await api(server, method, path, undefined, { token: device.token, raw });
        expect(res).toMatchObject({ status: 400, body: { error: 'validation_failed' } });
      }
    },
  );

  it('answers 4xx for odd path parameters', async () => {
    const paths = [
      '/v1/keys/%ZZ',
      '/v1/keys/%00',
      '/v1/keys/a%2F..%2F..',
      `/v1/keys/${'a'.repeat(5000)}`,
      '/v1/keys/bob@',
      '/v1/keys/@x',
      `/v1/keys/${device.username}/-1`,
      `/v1/keys/${device.username}/1e309`,
      `/v1/keys/${device.username}/99999999999999999999`,
      `/v1/keys/${device.username}/1.5`,
      `/v1/keys/${device.username}/128`,
      `/v1/keys/${device.username}/0`,
    ];
    const failures: string[] = [];
    for (const path of paths) {
      const res = await api(server, 'GET', path, undefined, { token: device.token });
      if (res.status >= 500 || res.status < 400) failures.push(`${path.slice(0, 40)}: ${res.status}`);
    }
    for (const id of ['-1', '1e309', '99999999999999999999', 'abc', '%00']) {
      const res = await api(server, 'DELETE', `/v1/devices/${id}`, undefined, { token: device.token });
      if (res.status >= 500 || res.status < 400) failures.push(`DELETE ${id}: ${res.status}`);
    }
    expect(failures).toEqual([]);
    // The caller's own device survived all of that.
    expect((await api(server, 'GET', '/v1/devices', undefined, { token: device.token })).status).toBe(200);
  });

  it('answers 401 for odd Authorization headers', async () => {
    for (const authorization of [
      'Bearer',
      'Bearer ',
      'Basic abc',
      'Bearer a.b.c',
      `Bearer ${'x'.repeat(10_000)}`,
      `bearer ${device.token}x`,
    ]) {
      const res = await fetch(`${server.url}/v1/keys/count`, { headers: { authorization } });
      expect({ authorization: authorization.slice(0, 20), status: res.status }).toEqual({
        authorization: authorization.slice(0, 20),
        status: 401,
      });
    }
  });
});
