const QUOTE = "'";
const BACKSLASH = '\\';

/**
 * A string as an SQL literal, exactly as node-postgres's `escapeLiteral` writes it: quotes doubled, and, when the text
 * holds a backslash, backslashes doubled in an `E'…'` literal (with the space before it the library puts there).
 * The library builds its answer a character at a time, ~0.5 µs for an event's ~150 characters of JSON and longer for
 * longer text; this searches and replaces natively (~0.02–0.04 µs). sql-literal.spec.ts compares the two.
 */
export function sqlLiteral(text: string): string {
  const quoted = text.includes(QUOTE) ? text.replaceAll(QUOTE, "''") : text;
  if (!text.includes(BACKSLASH)) return `'${quoted}'`;
  return ` E'${quoted.replaceAll(BACKSLASH, '\\\\')}'`;
}
