/**
 * Reading the `registries` YAML. Secrets are written as the user typed them: YAML's core schema would
 * read `password: 0123` as the number 123, `1e3` as 1000 and `0x1F` as 31, and a twenty-digit token
 * loses digits as a float. So plain scalars are never numbers or booleans here, only strings (or
 * null for `~`, `null` and an empty value). Warnings are never printed: the yaml package quotes the
 * offending source line, which may hold a password, on stderr.
 */
import { parse, type ParseOptions, type DocumentOptions, type SchemaOptions } from 'yaml';

const NOT_STRINGS = new Set(['tag:yaml.org,2002:int', 'tag:yaml.org,2002:float', 'tag:yaml.org,2002:bool']);

export const REGISTRIES_YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  // Errors are still thrown (and cite line and column only); warnings are dropped.
  logLevel: 'error',
  customTags: (tags) => tags.filter((tag) => typeof tag === 'string' || !NOT_STRINGS.has(tag.tag)),
};

/** Parses the text; throws YAMLParseError on a syntax error. */
export function parseRegistriesDocument(text: string): unknown {
  return parse(text, REGISTRIES_YAML_OPTIONS) as unknown;
}

/**
 * The credentials in the text, found leniently for masking before validation: whatever the entries
 * hold as username/password, or, when the text does not parse, whatever follows a `password:` key.
 */
export function registriesSecrets(text: string): { username: string; password: string }[] {
  if (text.trim() === '') return [];
  let doc: unknown;
  try {
    doc = parseRegistriesDocument(text);
  } catch {
    return [...text.matchAll(/password\s*:\s*["']?([^"'\r\n]+)/g)].map((m) => ({
      username: '',
      password: m[1]!.trim(),
    }));
  }
  if (!Array.isArray(doc)) return [];
  return doc.flatMap((entry: unknown) => {
    const { username, password } = (entry ?? {}) as { username?: unknown; password?: unknown };
    if (typeof password !== 'string') return [];
    return [{ username: typeof username === 'string' ? username : '', password }];
  });
}
