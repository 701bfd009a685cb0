/** One Server-Sent Event: its id (when given) and its data lines joined. */
export interface SseEvent {
  id?: string;
  data: string;
}

/**
 * The complete events at the start of `buffer` (each ends with a blank line), and what is left for the next chunk.
 * Follows the SSE format as far as the stream uses it: `id:` and `data:` fields, comments and other fields ignored.
 */
export function parseSse(buffer: string): { events: SseEvent[]; rest: string } {
  const events: SseEvent[] = [];
  const normalised = buffer.replace(/\r\n?/g, '\n');
  let start = 0;
  let end: number;
  while ((end = normalised.indexOf('\n\n', start)) >= 0) {
    const event: SseEvent = { data: '' };
    const data: string[] = [];
    for (const line of normalised.slice(start, end).split('\n')) {
      const colon = line.indexOf(':');
      if (colon === 0) continue;
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') event.id = value;
      else if (field === 'data') data.push(value);
    }
    event.data = data.join('\n');
    if (event.data !== '' || event.id !== undefined) events.push(event);
    start = end + 2;
  }
  return { events, rest: normalised.slice(start) };
}
