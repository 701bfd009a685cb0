/** A problem+json answer of the API, as the CLI shows it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

interface Problem {
  title?: string;
  detail?: string;
  errors?: Array<{ index?: number; field: string; message: string }>;
}

/** A request body sent as it is (text, or its UTF-8 bytes), in its own media type, instead of serialised as JSON. */
export class TextBody {
  constructor(
    readonly contentType: string,
    readonly content: string | Uint8Array,
  ) {}
}

/** The HTTP API of a Rapport deployment, with one credential. */
export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly key: string | undefined,
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, body);
    if (response.status === 204) return undefined as T;
    return JSON.parse(await response.text()) as T;
  }

  /** The answer of a successful request, its body unread (for streams); a problem answer throws ApiError. */
  async send(
    method: string,
    path: string,
    body?: unknown,
    describe = describeProblem,
    extraHeaders: Record<string, string> = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...extraHeaders };
    if (this.key) headers.authorization = `Bearer ${this.key}`;
    let payload: string | Uint8Array | undefined;
    if (body instanceof TextBody) {
      headers['content-type'] = body.contentType;
      payload = body.content;
    } else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let response: Response;
    try {
      response = await fetch(new URL(path, this.baseUrl), { method, headers, body: payload });
    } catch (error) {
      throw new ApiError(0, `cannot reach ${this.baseUrl}: ${(error as Error).message} (set --url or RAPPORT_URL)`);
    }
    if (response.ok) return response;
    throw new ApiError(response.status, describe(response.status, await response.text()));
  }
}

export function describeProblem(status: number, text: string, where: (index: number) => string = (i) => `[${i}] `): string {
  let problem: Problem;
  try {
    problem = JSON.parse(text) as Problem;
  } catch {
    return `${status}: ${text.slice(0, 500)}`;
  }
  const lines = [`${status} ${problem.title ?? ''}: ${problem.detail ?? ''}`.trim()];
  for (const e of problem.errors ?? []) lines.push(`  ${e.index !== undefined ? where(e.index) : ''}${e.field || '(body)'}: ${e.message}`);
  if (status === 401) lines.push('  (pass a key with --key or RAPPORT_KEY)');
  return lines.join('\n');
}
