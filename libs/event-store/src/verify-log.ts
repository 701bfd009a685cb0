import { TamperEvidentLog } from './event-store.port';
import { ChainVerification, ChainWalker } from './hash-chain';

/** Walks the whole log, page by page, and checks every link of its hash chain and the head recorded beside it. */
export async function verifyLog(log: TamperEvidentLog, options: { pageSize?: number } = {}): Promise<ChainVerification> {
  const pageSize = options.pageSize ?? 5_000;
  // The head first: events appended during the walk lie beyond it and are left for the next verification.
  const head = await log.recordedHead();
  const walker = new ChainWalker();
  let after = 0;
  while (after < head.position) {
    const page = await log.readChain({ after, until: head.position, limit: pageSize });
    if (page.length === 0) break;
    const intact = walker.push(page);
    if (!intact) break;
    after = page[page.length - 1].globalPosition;
  }
  return walker.finish(head);
}
