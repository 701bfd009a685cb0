import { escapeLiteral } from 'pg';
import { sqlLiteral } from './sql-literal';

describe('sqlLiteral', () => {
  it.each([
    '',
    'account-acme',
    "it's",
    "''",
    'a\\b',
    '\\',
    "o'\\'x\\\\",
    '{"summary":"say \\"hi\\" to O\'Brien","path":"C:\\\\temp"}',
    'é 漢字 🚀 \u2028 \t\n',
    "'".repeat(1000) + '\\'.repeat(1000),
  ])('writes %p as node-postgres escapeLiteral does', (text) => {
    expect(sqlLiteral(text)).toBe(escapeLiteral(text));
  });

  it('gives a literal PostgreSQL reads back as the text', () => {
    // Doubled quotes inside '…', and a backslash only in E'…', where it is doubled too.
    expect(sqlLiteral("O'Brien")).toBe("'O''Brien'");
    expect(sqlLiteral('a\\b')).toBe(" E'a\\\\b'");
  });
});
