import { describe, expect, it } from 'vitest';
import { parseSse } from './sse';

describe('parseSse', () => {
  it('gives the complete events and keeps the incomplete rest for the next chunk', () => {
    const first = parseSse('id: 7\ndata: {"type":"AccountHealthChanged"}\n\nid: 8\ndata: {"ty');
    expect(first.events).toEqual([{ id: '7', data: '{"type":"AccountHealthChanged"}' }]);
    const second = parseSse(`${first.rest}pe":"ChurnRiskRaised"}\n\n`);
    expect(second).toEqual({ events: [{ id: '8', data: '{"type":"ChurnRiskRaised"}' }], rest: '' });
  });

  it('joins data lines, skips comments and unknown fields, and reads CRLF', () => {
    expect(parseSse(': keep-alive\r\n\r\nevent: x\r\ndata: a\r\ndata:b\r\nretry: 5\r\n\r\n').events).toEqual([{ data: 'a\nb' }]);
  });
});
