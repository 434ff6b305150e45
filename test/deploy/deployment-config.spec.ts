import { readFileSync } from 'node:fs';
import { BlockList } from 'node:net';
import { join, relative } from 'node:path';
import { SERVER_MAIN } from '../../libs/testkit/src/server-process';

/**
 * docker/ and docs/OPERATIONS.md cannot run here (no Docker engine), so
 * this keeps them honest against the code: they name only environment
 * variables the server reads (env.dto.ts), the operations guide documents
 * every one, and the image starts the same file as `npm start` and the
 * e2e harness (libs/testkit's SERVER_MAIN).
 */
const root = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

const serverVariables = [...read('apps/server/src/config/env.dto.ts').matchAll(/^\s+([A-Z][A-Z0-9_]*)\?:/gm)].map((m) => m[1]);
const MAIN = 'dist/apps/server/apps/server/src/main.js';

describe('deployment files agree with the server', () => {
  it('finds the server’s variables', () => {
    expect(serverVariables).toEqual(expect.arrayContaining(['PORT', 'DATABASE_URL', 'REDIS_URL', 'JWT_SECRET', 'PARLEY_DOMAIN']));
  });

  it('docker/compose.yaml sets only variables the server reads, the same JWT_SECRET for every process', () => {
    const compose = read('docker/compose.yaml');
    const parley = compose.slice(compose.indexOf('x-parley:'), compose.indexOf('\nservices:'));
    const environment = parley.slice(parley.indexOf('environment:'), parley.indexOf('depends_on:'));
    const names = [...environment.matchAll(/^\s{4}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]);
    expect(names).toEqual(expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'JWT_SECRET', 'PARLEY_DOMAIN']));
    expect(names.filter((n) => !serverVariables.includes(n))).toEqual([]);
    // Both processes take the anchor as a whole, so they cannot disagree.
    expect(compose).toMatch(/server-a:\n\s+<<: \*parley\n/);
    expect(compose).toMatch(/server-b:\n\s+<<: \*parley\n/);
    expect(read('docker/nginx.conf')).toMatch(/server server-a:3000;[\s\S]*server server-b:3000;/);
  });

  it('docker/compose.yaml trusts X-Forwarded-For only from nginx, at an address no other container can get', () => {
    const compose = read('docker/compose.yaml');
    const setting = (name: string) => new RegExp(`^\\s+(?:- )?${name}: (\\S+)$`, 'm').exec(compose)?.[1];
    const within = (address: string, cidr: string) => {
      const [network, prefix] = cidr.split('/');
      const list = new BlockList();
      list.addSubnet(network, Number(prefix));
      return list.check(address);
    };
    const nginx = setting('ipv4_address')!;
    expect(setting('TRUST_PROXY')).toBe(nginx);
    expect(compose.slice(compose.indexOf('\n  lb:'))).toContain(`ipv4_address: ${nginx}`);
    expect(within(nginx, setting('subnet')!)).toBe(true);
    // Docker hands other containers addresses from ip_range only.
    expect(within(nginx, setting('ip_range')!)).toBe(false);
    // nginx is the edge: it names the client itself, and passes on nothing a client claimed.
    expect(read('docker/nginx.conf')).toMatch(/proxy_set_header X-Forwarded-For \$remote_addr;/);
  });

  it('docker/Dockerfile sets only variables the server reads and starts what the tests start', () => {
    const dockerfile = read('docker/Dockerfile');
    const env = dockerfile.slice(dockerfile.indexOf('ENV '), dockerfile.indexOf('WORKDIR', dockerfile.indexOf('ENV ')));
    const names = [...env.matchAll(/([A-Z][A-Z0-9_]*)=/g)].map((m) => m[1]).filter((n) => n !== 'NODE_ENV');
    expect(names.filter((n) => !serverVariables.includes(n))).toEqual([]);
    expect(dockerfile).toContain(`CMD ["node", "${MAIN}"]`);
    expect(JSON.parse(read('package.json')).scripts.start).toContain(`node ${MAIN}`);
    expect(relative(root, SERVER_MAIN).split('\\').join('/')).toBe(MAIN);
  });

  it('docs/OPERATIONS.md documents every variable in its table', () => {
    const table = read('docs/OPERATIONS.md')
      .split('\n')
      .filter((line) => line.startsWith('| `'));
    const documented = table.map((line) => /^\| `([A-Z0-9_]+)`/.exec(line)?.[1]);
    expect(serverVariables.filter((n) => !documented.includes(n))).toEqual([]);
    expect(documented.filter((n) => !serverVariables.includes(n!))).toEqual([]);
  });
});
