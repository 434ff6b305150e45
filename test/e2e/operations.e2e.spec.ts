import { api, newUser } from '../support/fixtures';
import { startServer, TestServer } from '../support/server';

describe('operations (API.md section 6)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('GET /healthz answers 200 while the database answers', async () => {
    const res = await api(server, 'GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /metrics serves Prometheus text with the prekey and HTTP counters', async () => {
    const bob = await newUser(server, { oneTimeKeys: 1 });
    const alice = await newUser(server);
    for (let i = 0; i < 2; i++)
      expect((await api(server, 'GET', `/v1/keys/${bob.username}`, undefined, { token: alice.token })).status).toBe(200);
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^# TYPE parley_one_time_prekeys_claimed_total counter$/m);
    expect(text).toMatch(/^parley_one_time_prekeys_claimed_total\{kind="ec"\} 1$/m);
    expect(text).toMatch(/^parley_one_time_prekeys_claimed_total\{kind="kyber"\} 1$/m);
    expect(text).toMatch(/^parley_one_time_prekeys_exhausted_total\{kind="ec"\} 1$/m);
    // Requests are labelled by route pattern, never by the raw path (which holds usernames).
    expect(text).toMatch(/^parley_http_requests_total\{method="GET",route="\/v1\/keys\/:address",status="200"\} 2$/m);
    expect(text).not.toContain(bob.username);
    expect(text).toMatch(/^parley_process_cpu_seconds_total /m);
  });

  it('GET /docs renders the OpenAPI UI', async () => {
    const res = await fetch(`${server.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toContain('swagger-ui');
  });

  describe('GET /docs/openapi.json', () => {
    let doc: any;
    beforeAll(async () => {
      doc = (await api(server, 'GET', '/docs/openapi.json')).body;
    });

    // Every route of API.md sections 1, 2 and 6 (and the Parley extensions of 3 and 8) with the statuses the contract names.
    it.each([
      ['post', '/v1/accounts', ['201', '400', '409']],
      ['post', '/v1/auth/login', ['200', '401', '429']],
      ['post', '/v1/devices', ['201', '400', '401', '403', '409', '413']],
      ['get', '/v1/devices', ['200', '401', '403']],
      ['delete', '/v1/devices/{deviceId}', ['204', '400', '401', '403', '404', '409']],
      ['get', '/v1/account/reset', ['200', '401']],
      ['post', '/v1/account/reset', ['201', '400', '401', '403', '409', '413']],
      ['get', '/v1/account/audit', ['200', '400', '401', '403']],
      ['post', '/v1/provisioning', ['201', '401']],
      ['put', '/v1/provisioning/{slotId}', ['204', '400', '401', '403', '404', '409']],
      ['get', '/v1/provisioning/{slotId}', ['200', '204', '400', '401', '404']],
      ['post', '/v1/auth/challenge', ['200', '404']],
      ['post', '/v1/auth/device', ['200', '401']],
      ['post', '/v1/auth/refresh', ['200', '401']],
      ['post', '/v1/auth/logout', ['204', '401']],
      ['put', '/v1/keys', ['204', '400', '401', '403', '409', '413']],
      ['get', '/v1/keys/count', ['200', '401', '403']],
      ['get', '/v1/keys/{address}', ['200', '401', '403', '404', '429']],
      ['get', '/v1/keys/{address}/{deviceId}', ['200', '401', '403', '404', '429']],
      ['get', '/v1/transparency/checkpoint', ['200', '503']],
      ['get', '/v1/transparency/inclusion', ['200', '400']],
      ['get', '/v1/transparency/consistency', ['200', '400']],
      ['get', '/v1/transparency/leaves/{index}', ['200', '400', '401', '403', '404']],
      ['get', '/v1/transparency/leaves', ['200', '400', '401', '403']],
      ['get', '/v1/transparency/logs/{domain}/checkpoint', ['200', '401', '403', '404', '503']],
      ['get', '/v1/transparency/logs/{domain}/consistency', ['200', '400', '401', '403', '404', '503']],
      ['get', '/v1/transparency/equivocations', ['200']],
      ['post', '/federation/v1/witness/add-checkpoint', ['200', '400', '401', '403', '404', '409', '422', '503']],
      ['get', '/v1/delivery-failures', ['200', '401', '403']],
      ['delete', '/v1/delivery-failures/{id}', ['204', '400', '401', '403']],
      ['get', '/v1/push/vapid-key', ['200', '401']],
      ['put', '/v1/push/subscription', ['200', '400', '401', '403']],
      ['get', '/v1/push/subscription', ['200', '401', '403', '404']],
      ['delete', '/v1/push/subscription', ['204', '401', '403']],
      ['put', '/v1/backups/{backupId}', ['200', '400', '401', '409', '413', '429']],
      ['get', '/v1/backups/{backupId}', ['200', '400', '401', '404', '429']],
      ['delete', '/v1/backups/{backupId}', ['204', '400', '401', '404', '429']],
      ['post', '/v1/backup-pin/registration', ['200', '400', '401', '403', '429']],
      ['put', '/v1/backup-pin', ['204', '400', '401', '403', '429']],
      ['delete', '/v1/backup-pin', ['204', '401', '403', '404', '429']],
      ['post', '/v1/backup-pin/login', ['200', '400', '401', '404', '429']],
      ['post', '/v1/backup-pin/login/finish', ['200', '400', '401', '404']],
      ['get', '/healthz', ['200', '503']],
      ['get', '/metrics', ['200']],
    ])('documents %s %s with %j', (method, path, statuses) => {
      const operation = doc.paths[path]?.[method];
      expect(operation).toBeDefined();
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(statuses));
      expect(operation.summary).toEqual(expect.any(String));
    });

    it('marks exactly the public routes as needing no bearer token', () => {
      const open: string[] = [];
      for (const [path, operations] of Object.entries<any>(doc.paths)) {
        for (const [method, operation] of Object.entries<any>(operations)) {
          if (!operation.security?.some((s: object) => 'bearer' in s)) open.push(`${method.toUpperCase()} ${path}`);
        }
      }
      expect(open.filter((r) => !r.includes('/federation')).sort()).toEqual([
        'GET /healthz',
        'GET /metrics',
        'GET /v1/transparency/checkpoint',
        'GET /v1/transparency/consistency',
        'GET /v1/transparency/equivocations',
        'GET /v1/transparency/inclusion',
        'POST /v1/accounts',
        'POST /v1/auth/challenge',
        'POST /v1/auth/device',
        'POST /v1/auth/login',
        'POST /v1/auth/refresh',
      ]);
    });

    const schemaOf = (ref: { $ref: string }) => doc.components.schemas[ref.$ref.split('/').pop()!];
    const bodySchema = (method: string, path: string) => schemaOf(doc.paths[path][method].requestBody.content['application/json'].schema);

    it('describes request bodies with their properties, limits and comments', () => {
      const account = bodySchema('post', '/v1/accounts');
      expect(Object.keys(account.properties).sort()).toEqual(['password', 'username']);
      expect(account.required).toEqual(expect.arrayContaining(['username', 'password']));

      const device = bodySchema('post', '/v1/devices');
      expect(Object.keys(device.properties).sort()).toEqual([
        'deviceList',
        'identityKey',
        'name',
        'pqLastResortPreKey',
        'pqPreKeys',
        'preKeys',
        'registrationId',
        'signedPreKey',
      ]);
      expect(device.required).toEqual(
        expect.arrayContaining(['name', 'registrationId', 'identityKey', 'signedPreKey', 'pqLastResortPreKey', 'deviceList']),
      );
      expect(device.properties.registrationId).toMatchObject({ type: 'number', minimum: 1, maximum: 16380 });
      expect(device.properties.identityKey.description).toMatch(/33 bytes/);
      expect(device.properties.preKeys).toMatchObject({ type: 'array', description: expect.stringMatching(/at most 100/i) });

      const keys = bodySchema('put', '/v1/keys');
      expect(Object.keys(keys.properties).sort()).toEqual(['pqLastResortPreKey', 'pqPreKeys', 'preKeys', 'signedPreKey']);
      expect(keys.required ?? []).toEqual([]);

      for (const [method, path, fields] of [
        ['post', '/v1/auth/login', ['password', 'username']],
        ['post', '/v1/auth/refresh', ['refreshToken']],
        ['post', '/v1/auth/challenge', ['deviceId', 'username']],
        ['post', '/v1/auth/device', ['challenge', 'deviceId', 'signature', 'username']],
      ] as const) {
        expect([path, Object.keys(bodySchema(method, path).properties).sort()]).toEqual([path, fields]);
      }
    });

    it('describes the bundle response down to its keys', () => {
      const bundle = schemaOf(doc.paths['/v1/keys/{address}'].get.responses['200'].content['application/json'].schema);
      expect(Object.keys(bundle.properties).sort()).toEqual(['address', 'deviceList', 'devices', 'transparency']);
      const inclusion = schemaOf(bundle.properties.transparency.allOf?.[0] ?? bundle.properties.transparency);
      expect(Object.keys(inclusion.properties).sort()).toEqual(['checkpoint', 'inclusionProof', 'leaf', 'leafIndex']);
      const list = schemaOf(bundle.properties.deviceList.allOf?.[0] ?? bundle.properties.deviceList);
      expect(Object.keys(list.properties).sort()).toEqual([
        'accountIdentityKey',
        'address',
        'devices',
        'signature',
        'timestamp',
        'version',
      ]);
      const device = schemaOf(bundle.properties.devices.items);
      expect(Object.keys(device.properties).sort()).toEqual([
        'deviceId',
        'identityKey',
        'pqPreKey',
        'preKey',
        'registrationId',
        'signedPreKey',
      ]);
      expect(device.properties.preKey.nullable).toBe(true);
      const tokens = schemaOf(doc.paths['/v1/auth/login'].post.responses['200'].content['application/json'].schema);
      expect(Object.keys(tokens.properties).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken']);
    });
  });
});
