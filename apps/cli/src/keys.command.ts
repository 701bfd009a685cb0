import { Command, Option } from 'commander';
import { ApiClient } from './api-client';

interface KeyView {
  id: string;
  name: string;
  scopes: string[];
  systems: string[];
  createdAt: string;
  expiresAt: string | null;
  revokedAt?: string | null;
  key?: string;
}

export interface Output {
  json: boolean;
  print(line: string): void;
}

/** Rows as aligned columns, a header first. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows]
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `rapport keys create|list|revoke`: the /v1/keys routes from the command line. */
export function keysCommand(client: () => ApiClient, output: () => Output): Command {
  const keys = new Command('keys').description('API keys: create, list, revoke (needs an admin key)');

  keys
    .command('create')
    .description('create a key; its secret is printed this once')
    .requiredOption('--name <name>', 'what the key is for, e.g. "crm sync"')
    .addOption(new Option('--scope <scope...>', 'scopes').choices(['events:write', 'read', 'admin']).makeOptionMandatory())
    .option('--system <system...>', 'source systems an events:write key may write for')
    .option('--expires-at <instant>', 'an ISO instant with a zone, after which the key is refused')
    .action(async (options: { name: string; scope: string[]; system?: string[]; expiresAt?: string }) => {
      const created = await client().request<KeyView>('POST', '/v1/keys', {
        name: options.name,
        scopes: options.scope,
        ...(options.system ? { systems: options.system } : {}),
        ...(options.expiresAt ? { expiresAt: options.expiresAt } : {}),
      });
      const out = output();
      if (out.json) return out.print(JSON.stringify(created));
      const systems = created.systems.length > 0 ? `; systems ${created.systems.join(', ')}` : '';
      out.print(`created key ${created.id} (${created.name}; ${created.scopes.join(', ')}${systems})`);
      out.print('its secret, shown this once:');
      out.print(created.key ?? '');
    });

  keys
    .command('list')
    .description('every key, newest first, without secrets')
    .action(async () => {
      const { keys: list } = await client().request<{ keys: KeyView[] }>('GET', '/v1/keys');
      const out = output();
      if (out.json) return out.print(JSON.stringify(list));
      const state = (k: KeyView) => (k.revokedAt ? `revoked ${k.revokedAt}` : k.expiresAt ? `expires ${k.expiresAt}` : 'active');
      out.print(
        table(
          ['id', 'name', 'scopes', 'systems', 'created', 'state'],
          list.map((k) => [k.id, k.name, k.scopes.join(','), k.systems.join(',') || '-', k.createdAt, state(k)]),
        ),
      );
    });

  keys
    .command('revoke')
    .description('revoke a key: every process refuses it within a second')
    .argument('<id>', 'the key id (see keys list)')
    .action(async (id: string) => {
      await client().request<void>('DELETE', `/v1/keys/${encodeURIComponent(id)}`);
      const out = output();
      out.print(out.json ? JSON.stringify({ revoked: id }) : `revoked key ${id}`);
    });

  return keys;
}
