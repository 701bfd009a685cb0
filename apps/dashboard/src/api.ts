import { parseSse } from './sse';

/** The API, with the key of this tab's session (sessionStorage: gone when the tab closes). */
const KEY = 'rapport.key';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Listener = () => void;
const signedOut = new Set<Listener>();

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY),
  signIn(key: string): void {
    sessionStorage.setItem(KEY, key);
  },
  signOut(): void {
    sessionStorage.removeItem(KEY);
    signedOut.forEach((listener) => listener());
  },
  onSignOut(listener: Listener): () => void {
    signedOut.add(listener);
    return () => signedOut.delete(listener);
  },
};

/** GET (or POST) a route of the API as JSON; a problem+json answer throws ApiError with its detail; 401 signs out. */
export async function api<T>(path: string, init: { method?: string; body?: unknown; key?: string } = {}): Promise<T> {
  const key = init.key ?? session.key();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (response.ok) return (await response.json()) as T;
  let detail = `${response.status} ${response.statusText}`;
  try {
    const problem = (await response.json()) as { title?: string; detail?: string };
    detail = problem.detail ?? problem.title ?? detail;
  } catch {
    // Not problem+json: the status says enough.
  }
  if (response.status === 401 && init.key === undefined) session.signOut();
  throw new ApiError(response.status, detail);
}

/**
 * The outbound health events (`/v1/stream/health`) as they happen. EventSource cannot send a credential, so the
 * stream is read with fetch; it reconnects after a drop, resuming from the last id.
 */
export function followHealthEvents(onEvent: (event: { type: string; accountId?: string }) => void): () => void {
  const stop = new AbortController();
  let lastId: string | undefined;
  const run = async () => {
    while (!stop.signal.aborted) {
      try {
        const headers: Record<string, string> = { accept: 'text/event-stream', authorization: `Bearer ${session.key() ?? ''}` };
        if (lastId) headers['last-event-id'] = lastId;
        const response = await fetch('/v1/stream/health', { headers, signal: stop.signal });
        if (!response.ok || !response.body) throw new Error(String(response.status));
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          const { events, rest } = parseSse(buffer + value);
          buffer = rest;
          for (const event of events) {
            if (event.id) lastId = event.id;
            if (event.data) onEvent(JSON.parse(event.data) as { type: string; accountId?: string });
          }
        }
      } catch {
        if (stop.signal.aborted) return;
      }
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  };
  void run();
  return () => stop.abort();
}
