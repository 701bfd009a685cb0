/**
 * The V8 flags the query process runs with: docker-compose.yml's command, `npm run start:query` and the processes the
 * tests and benchmarks start all pass these (node-flags.spec.ts checks the first two against this list).
 *
 * Semi-spaces of 64 MiB (V8's default is 16): a cached answer costs little, but at thousands of requests a second the
 * default young generation was scavenged 12–16 times a second, each pause 2–38 ms with 100 requests in flight, and what
 * was in flight at each scavenge was promoted, growing the old space to ~450 MiB between mark-compacts. Measured with
 * bench/query's account-health load, alternated on one portfolio: 4,517/4,937/4,700 requests/s (p99 59/61/36 ms) with
 * the default, 5,409/7,744/7,089 (p99 54/26/26 ms) with 64 MiB. The cost is memory: up to 3 × 64 MiB of young
 * generation when busy. To change it, change the command: node's own arguments win over NODE_OPTIONS.
 */
export const QUERY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];
