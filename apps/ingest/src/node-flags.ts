/**
 * The V8 flags the ingest process runs with: docker-compose.yml's command, `npm run start:ingest` and the processes
 * the tests and benchmarks start all pass these (node-flags.spec.ts checks the first two against this list).
 *
 * Semi-spaces of 64 MiB (V8's default is 16), as the query process: a batch's objects (envelopes, events, bodies,
 * rows) live until its append commits, and the default young generation was scavenged ~30 times a second under the
 * batch route. `--trace-gc` over 10 s of it (4 connections × 1,000 events): 314 scavenges, 1,116 ms, with the default;
 * 96 scavenges, 874 ms, with 64 MiB. Alternated on this machine (2026-12-03), a new database each: the batch route
 * higher in 6 of 7 pairs (−2 % to +16 %, mean +6 %), `POST /v1/events` (16 connections) in 3 of 4 (−5 % to +7 %),
 * the ingest process's CPU an event lower in 8 of 11 (equal in 2); `bench:import` of 300,000 events higher in 2 of 3
 * (39,898 / 34,330 / 34,654 events/s against 36,059 / 37,507 / 31,917), and in 4 of 4 in an earlier session. Each
 * gain is within what this VM moves between runs; together they lean one way. The cost is memory: up to 3 × 64 MiB of
 * young generation when busy. To change it, change the command: node's own arguments win over NODE_OPTIONS.
 */
export const INGEST_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];
