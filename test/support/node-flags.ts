import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';

const ROOT = join(__dirname, '..', '..');

/** Checks that docker-compose.yml and `npm run start:<app>` start the app with `flags`, the list its processes use. */
export function describeNodeFlags(app: string, flags: readonly string[]): void {
  const main = `dist/apps/${app}/src/main.js`;

  describe(`the ${app} process is started with its node flags`, () => {
    it('by docker-compose.yml', () => {
      const compose = load(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { command?: string[] }> };
      expect(compose.services[app].command).toEqual(['node', ...flags, main]);
    });

    it(`by npm run start:${app}`, () => {
      const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
      expect(scripts[`start:${app}`]).toBe(['node', ...flags, main].join(' '));
    });
  });
}
