/**
 * Whether a request's `Prefer` headers (RFC 7240) ask for `return=minimal`: the client wants the outcome, not the
 * representation. Preferences are comma-separated, each `token[=value]` with optional `;`-parameters; tokens are
 * case-insensitive and a value may be quoted. A preference the server does not know is ignored, as the RFC asks.
 */
export function prefersMinimalReturn(header: string | readonly string[] | undefined): boolean {
  if (header === undefined) return false;
  const values = typeof header === 'string' ? [header] : header;
  for (const value of values) {
    for (const preference of value.split(',')) {
      const [pair] = preference.split(';');
      const equals = pair.indexOf('=');
      if (equals === -1) continue;
      const token = pair.slice(0, equals).trim().toLowerCase();
      const raw = pair.slice(equals + 1).trim();
      const unquoted = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
      if (token === 'return' && unquoted.toLowerCase() === 'minimal') return true;
    }
  }
  return false;
}
