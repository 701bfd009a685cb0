import { AddressInfo } from 'node:net';
import { StandaloneAppModule } from '@rapport/standalone/standalone-app.module';
import { runCli } from '../support/cli';
import { startTestApp, TestApp } from '../support/test-app';

let app: TestApp;
let url: string;

const rapport = (args: string[], env: Record<string, string> = {}) => runCli(url, args, env);

beforeAll(async () => {
  app = await startTestApp(StandaloneAppModule.forRoot, { label: 'cli' });
  await app.app.listen(0, '127.0.0.1');
  url = `http://127.0.0.1:${(app.app.getHttpServer().address() as AddressInfo).port}`;
}, 60_000);
afterAll(() => app.close());

describe('rapport keys', () => {
  it('creates a key bound to a system, lists it without its secret, and revokes it', async () => {
    const created = await rapport(['keys', 'create', '--name', 'crm sync', '--scope', 'events:write', '--system', 'crm']);
    expect(created.code).toBe(0);
    const secret = /^(rpk_\S+)$/m.exec(created.stdout)?.[1];
    expect(secret).toBeDefined();
    const id = /created key (\S+)/.exec(created.stdout)![1];

    const list = await rapport(['keys', 'list']);
    expect([list.code, list.stdout]).toEqual([
      0,
      expect.stringMatching(new RegExp(`^${id}\\s+crm sync\\s+events:write\\s+crm\\s+\\S+\\s+active$`, 'm')),
    ]);
    expect(list.stdout).not.toContain(secret);

    expect((await rapport(['keys', 'revoke', id])).code).toBe(0);
    const json = JSON.parse((await rapport(['--json', 'keys', 'list'])).stdout) as Array<{ id: string; revokedAt: string | null }>;
    expect(json.find((k) => k.id === id)?.revokedAt).toEqual(expect.any(String));
  }, 30_000);

  it("prints the API's problem and exits 1 when refused, and names a bad option", async () => {
    const unknown = await rapport(['keys', 'revoke', '00000000-0000-4000-8000-000000000000']);
    expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringContaining('404 Key not found')]);
    const noKey = await rapport(['keys', 'list'], { RAPPORT_KEY: '' });
    expect([noKey.code, noKey.stderr]).toEqual([1, expect.stringContaining('401 Unauthenticated')]);
    const badScope = await rapport(['keys', 'create', '--name', 'x', '--scope', 'write']);
    expect([badScope.code, badScope.stderr]).toEqual([1, expect.stringContaining("argument 'write' is invalid")]);
    const noSystem = await rapport(['keys', 'create', '--name', 'x', '--scope', 'events:write']);
    expect([noSystem.code, noSystem.stderr]).toEqual([1, expect.stringContaining('systems: must name the source systems')]);
  }, 30_000);
});
