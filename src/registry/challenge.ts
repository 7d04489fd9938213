/**
 * WWW-Authenticate parsing (RFC 7235; distribution's authchallenge.go): several headers, several
 * challenges per header, case-insensitive scheme and parameter names, quoted values with escapes.
 */

export interface Challenge {
  /** Lower-cased, e.g. `bearer`. */
  scheme: string;
  /** Lower-cased keys. */
  params: Record<string, string>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;

function parseOne(text: string, challenges: Challenge[]): void {
  let pos = 0;
  const skip = (chars: RegExp) => {
    while (pos < text.length && chars.test(text[pos]!)) pos++;
  };
  const token = (): string | undefined => {
    const match = TOKEN.exec(text.slice(pos));
    if (!match) return undefined;
    pos += match[0].length;
    return match[0];
  };
  const quoted = (): string => {
    let value = '';
    pos++; // opening quote
    while (pos < text.length && text[pos] !== '"') {
      if (text[pos] === '\\' && pos + 1 < text.length) pos++;
      value += text[pos]!;
      pos++;
    }
    pos++; // closing quote
    return value;
  };

  for (;;) {
    skip(/[\s,]/);
    const scheme = token();
    if (scheme === undefined) return;
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    skip(/[ \t]/);
    for (;;) {
      const start = pos;
      skip(/[\s,]/);
      const key = token();
      skip(/[ \t]/);
      if (key === undefined || text[pos] !== '=') {
        // Not `key=`: the next challenge's scheme starts here.
        pos = start;
        break;
      }
      pos++; // '='
      skip(/[ \t]/);
      const value = text[pos] === '"' ? quoted() : (token() ?? '');
      challenge.params[key.toLowerCase()] = value;
      skip(/[ \t]/);
      if (text[pos] !== ',') break;
    }
    if (pos >= text.length) return;
  }
}

/** Every challenge from one or more WWW-Authenticate header values. */
export function parseChallenges(headers: string | readonly string[] | null | undefined): Challenge[] {
  const challenges: Challenge[] = [];
  for (const header of typeof headers === 'string' ? [headers] : (headers ?? []))
    parseOne(header, challenges);
  return challenges;
}
