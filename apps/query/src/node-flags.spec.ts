import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { QUERY_NODE_FLAGS } from './node-flags';

const ROOT = join(__dirname, '..', '..', '..');
const MAIN = 'dist/apps/query/src/main.js';

describe('the query process is started with QUERY_NODE_FLAGS', () => {
  it('by docker-compose.yml', () => {
    const compose = load(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { command?: string[] }> };
    expect(compose.services.query.command).toEqual(['node', ...QUERY_NODE_FLAGS, MAIN]);
  });

  it('by npm run start:query', () => {
    const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts['start:query']).toBe(['node', ...QUERY_NODE_FLAGS, MAIN].join(' '));
  });
});
