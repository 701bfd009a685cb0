import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { readdirSync, readFileSync } from 'node:fs';
function threads() { const r: Record<string, number> = {}; for (const t of readdirSync('/proc/self/task')) { const st = readFileSync(`/proc/self/task/${t}/stat`, 'utf8'); const name = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')')); const f = st.slice(st.lastIndexOf(')') + 2).split(' '); r[`${name}:${t}`] = (Number(f[11]) + Number(f[12])) * 10; } return r; }
import { encodeEvent, newAccountEvent } from '@rapport/domain';
import { PostgresEventStore, SHA256_JCS_CHAIN, UNCHAINED } from '@rapport/event-store';
import { benchServer } from './support/bench-database';
function interaction(accountId: string, n: number) {
  return encodeEvent(newAccountEvent({ type: 'InteractionLogged', accountId, occurredAt: new Date(Date.UTC(2026, 0, 1, 0, n % 1440)).toISOString(),
      source: { system: 'bench', eventId: randomUUID() }, actor: 'am@vendor.example',
      data: { interactionId: `i-${n}`, channel: 'meeting', direction: 'outbound', sentiment: 0.35, durationMinutes: 45, contactCount: 3, executiveInvolved: false, summary: 'Quarterly review of adoption and renewal plans' } }));
}
async function main() {
  const server = await benchServer();
  const url = await server.newDatabase('prof');
  const pool = new Pool({ connectionString: url, max: 20 });
  const store = new PostgresEventStore(pool, { chain: process.env.X === 'un' ? UNCHAINED : SHA256_JCS_CHAIN });
  await store.migrate();
  let n = 0;
  const th0 = threads(); const t0 = Date.now(); const cpu0 = process.cpuUsage();
  await Promise.all([0, 1, 2, 3].map(async () => {
    const stream = `s-${randomUUID()}`; let v = -1;
    while (Date.now() - t0 < 20000) {
      const events = Array.from({ length: 1000 }, () => interaction(stream, n++));
      await store.append([{ streamId: stream, expectedVersion: v < 0 ? 'no_stream' : v, events }]);
      v += 1000;
    }
  }));
  const cpu = process.cpuUsage(cpu0);
  console.log(process.env.X, 'events/s', Math.round(n / ((Date.now() - t0) / 1000)), 'node cpu µs/event', ((cpu.user + cpu.system) / n).toFixed(1));
  const th1 = threads(); const by: Record<string, number> = {}; for (const k of Object.keys(th1)) { const name = k; by[name] = (by[name] ?? 0) + (th1[k] - (th0[k] ?? 0)) * 1000 / n; } console.log(Object.entries(by).filter(([, v]) => v > 0.2).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', '), 'µs/event');
  await store.close(); await pool.end(); await server.stop();
}
main();
