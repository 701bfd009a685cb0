import { copyJson, copyText } from '@rapport/postgres';
import type { AnyTableDefinition } from './read-model-tables';

/**
 * PostgreSQL's COPY text format for read-model rows: each value written as the text that `jsonb_to_recordset` hands
 * to the column's input function when the same value comes as JSON, the way rows were written until 2026-12-04, so
 * that a row is stored as it always was (read-model-writer.int-spec.ts compares the two table by table, on strings
 * COPY must escape).
 */

const NULL = '\\N';

/** One line a row, its columns in the table's order. */
export function copyLines(table: AnyTableDefinition, rows: readonly unknown[]): string {
  const columns = Object.entries(table.columns);
  let text = '';
  for (const row of rows) {
    for (let i = 0; i < columns.length; i++) {
      const [name, column] = columns[i];
      text += (i > 0 ? '\t' : '') + copyField(column.sqlType, column.value(row), name);
    }
    text += '\n';
  }
  return text;
}

/** `COPY … FROM STDIN` into `table` of `schema` (already quoted), its columns in copyLines' order. */
export function copySQL(schema: string, table: AnyTableDefinition): string {
  return `COPY ${schema}.${table.name} (${Object.keys(table.columns).join(', ')}) FROM STDIN`;
}

/**
 * A value of `column`, of `sqlType`, escaped for COPY; `\N` where the JSON path gives SQL NULL (null, undefined).
 */
export function copyField(sqlType: string, value: unknown, column: string): string {
  if (sqlType === 'json' || sqlType === 'jsonb') {
    const json = jsonText(value);
    // JSON.stringify escapes every control character: of COPY's escapes only the backslash can occur, found by a
    // plain search (an account's documents: 0.08–0.24 µs against 0.96–0.98 by copyText's regular expression).
    return json === undefined ? NULL : copyJson(json);
  }
  const text = sqlType.endsWith('[]') ? arrayText(value, column) : scalarText(value, column);
  return text === undefined ? NULL : copyText(text);
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
  if (value instanceof Date) return value.toJSON() ?? undefined;
  return jsonText(value);
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
