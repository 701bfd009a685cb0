import { prefersMinimalReturn } from './prefer';

describe('prefersMinimalReturn', () => {
  it.each([
    ['return=minimal'],
    ['RETURN=Minimal'],
    ['return="minimal"'],
    ['respond-async, return=minimal'],
    ['wait=10,return=minimal; foo=bar'],
    [' return = minimal '],
  ])('is asked for by %p', (header) => {
    expect(prefersMinimalReturn(header)).toBe(true);
  });

  it('reads every Prefer header of the request', () => {
    expect(prefersMinimalReturn(['respond-async', 'return=minimal'])).toBe(true);
  });

  // The last is a parameter of another preference, not a preference of its own.
  const notAsked = [
    undefined,
    '',
    'return=representation',
    'minimal',
    'returns=minimal',
    'return=minimalist',
    'handling=lenient;return=minimal',
  ];
  it.each(notAsked.map((header) => [header]))('is not asked for by %p', (header) => {
    expect(prefersMinimalReturn(header)).toBe(false);
  });
});
