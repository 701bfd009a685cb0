import { compactJsonbText } from './compact-jsonb-text';

// jsonb's output format, as PostgreSQL 15 writes it (compact-jsonb-text.int-spec.ts checks the server's own).
describe('compactJsonbText', () => {
  it('drops the spaces jsonb puts after colons and commas, not those in strings', () => {
    expect(compactJsonbText('{"a": [1, 2], "b": {"c": "x: y, z"}, "d": {}, "e": []}').toString()).toBe(
      '{"a":[1,2],"b":{"c":"x: y, z"},"d":{},"e":[]}',
    );
  });

  it('follows escaped quotes and backslashes to the end of a string', () => {
    const text = String.raw`{"q": "say \"a, b\": c", "bs": "ends \\", "n": "x\\\", \"y"}`;
    expect(compactJsonbText(text).toString()).toBe(JSON.stringify(JSON.parse(text)));
  });

  it('returns text without spaces as it is', () => {
    expect(compactJsonbText('"a"').toString()).toBe('"a"');
    expect(compactJsonbText('42').toString()).toBe('42');
    expect(compactJsonbText('"  "').toString()).toBe('"  "');
  });

  it("returns JSON.stringify's text as it is: the outbox's payloads since they are json", () => {
    const payload = {
      eventId: 'e1',
      type: 'ChurnRiskRaised',
      causedBy: { eventId: 'c1', globalPosition: 7 },
      figures: { drivers: [{ name: 'x', explanation: 'say "a, b": c \\ é, 💡' }], arrAtRisk: {}, previousScore: null, score: 1e-7 },
    };
    expect(compactJsonbText(JSON.stringify(payload)).toString()).toBe(JSON.stringify(payload));
  });
});
