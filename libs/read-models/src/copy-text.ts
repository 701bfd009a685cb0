import { copyJson, copyText, CopyTextBuffer, NEWLINE, TAB } from '@rapport/postgres';
import type { AnyTableDefinition, Column } from './read-model-tables';

/**
 * PostgreSQL's COPY text format for read-model rows: each value written as the text that `jsonb_to_recordset` hands
 * to the column's input function when the same value comes as JSON, the way rows were written until 2026-12-04, so
 * that a row is stored as it always was (read-model-writer.int-spec.ts compares the two table by table, on strings
 * COPY must escape).
 */

const NULL = '\\N';

/**
 * A table's columns in its order, listed once a table rather than by `Object.entries` at every call (a slice's rows):
 * the COPY text's and the shared tables' JSON records alike.
 */
const columnsOf = new WeakMap<AnyTableDefinition, ReadonlyArray<readonly [string, Column<unknown, unknown>]>>();

export function columnList(table: AnyTableDefinition): ReadonlyArray<readonly [string, Column<unknown, unknown>]> {
  let columns = columnsOf.get(table);
  if (!columns) columnsOf.set(table, (columns = Object.entries(table.columns)));
  return columns;
}

/**
 * One line a row, its columns in the table's order, written into `copy`. Written in place rather than joined into a
 * string: a slice's text as `+=` made a rope of a few pieces a column that `Buffer.from` flattened into one more copy
 * (a fifth of what the projector allocated catching up new accounts; docs/benchmarks.md, "The read model's COPY
 * text, written in place").
 */
export function copyRows(table: AnyTableDefinition, rows: readonly unknown[], copy: CopyTextBuffer): void {
  const columns = columnList(table);
  for (const row of rows) {
    for (let i = 0; i < columns.length; i++) {
      const [name, column] = columns[i];
      if (i > 0) copy.byte(TAB);
      writeField(copy, column.sqlType, column.value(row), name);
    }
    copy.byte(NEWLINE);
  }
}

/** `COPY … FROM STDIN` into `table` of `schema` (already quoted), its columns in copyRows' order. */
export function copySQL(schema: string, table: AnyTableDefinition): string {
  return `COPY ${schema}.${table.name} (${Object.keys(table.columns).join(', ')}) FROM STDIN`;
}

/** A value of `column`, of `sqlType`, escaped for COPY; `\N` where the JSON path gives SQL NULL (null, undefined). */
function writeField(copy: CopyTextBuffer, sqlType: string, value: unknown, column: string): void {
  if (sqlType === 'json' || sqlType === 'jsonb') {
    const json = jsonText(value);
    // JSON.stringify escapes every control character: of COPY's escapes only the backslash can occur, found by a
    // plain search (an account's documents: 0.08–0.24 µs against 0.96–0.98 by copyText's regular expression).
    if (json === undefined) copy.ascii(NULL);
    else copy.text(copyJson(json));
    return;
  }
  if (sqlType.endsWith('[]')) {
    const text = arrayText(value, column);
    copy.text(text === undefined ? NULL : copyText(text));
  }
  // Numbers, booleans and instants are ASCII with nothing to escape.
  else if (typeof value === 'number') copy.ascii(Number.isFinite(value) ? String(value) : NULL);
  else if (typeof value === 'boolean') copy.ascii(value ? 'true' : 'false');
  else if (value instanceof Date) copy.ascii(instantText(value) ?? NULL);
  else {
    const text = scalarText(value, column);
    copy.text(text === undefined ? NULL : copyText(text));
  }
}

/** jsonb_to_recordset gives a JSON null as SQL NULL, not as the jsonb `null`. */
function jsonText(value: unknown): string | undefined {
  const json = JSON.stringify(value);
  return json === undefined || json === 'null' ? undefined : json;
}

/** A scalar as JSON writes it, without a string's quotes: a Date by its toJSON, a number as JSON.stringify does. */
function scalarText(value: unknown, column: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return wellFormed(value, column);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'boolean') return String(value);
  if (value instanceof Date) return instantText(value);
  return jsonText(value);
}

let lastInstant = Number.NaN;
let lastInstantText = '';

/**
 * A Date as its toJSON writes it (undefined for an invalid one), the last one's text kept: a batch's rows share one
 * evaluation instant, and toJSON took 0.6 µs a row against a comparison of its time.
 */
function instantText(date: Date): string | undefined {
  const time = date.getTime();
  if (Number.isNaN(time)) return undefined;
  if (time !== lastInstant) {
    lastInstantText = date.toISOString();
    lastInstant = time;
  }
  return lastInstantText;
}

/** An array literal: every element quoted (so that `NULL`, commas or braces stay text), `\` and `"` escaped. */
function arrayText(value: unknown, column: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (!Array.isArray(value)) throw new Error(`column ${column}: an array was expected, not ${typeof value}`);
  const elements = value.map((element: unknown) => {
    const text = scalarText(element, column);
    return text === undefined ? 'NULL' : `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  });
  return `{${elements.join(',')}}`;
}

/**
 * JSON escapes a lone surrogate and jsonb refuses it, where a Buffer would turn it into U+FFFD without a word: the
 * COPY path refuses it too.
 */
function wellFormed(text: string, column: string): string {
  if (!(text as string & { isWellFormed(): boolean }).isWellFormed()) {
    throw new Error(`column ${column}: a lone UTF-16 surrogate cannot be stored`);
  }
  return text;
}
