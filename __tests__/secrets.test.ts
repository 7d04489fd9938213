/**
 * The secret registry: every form of awkward values is registered with the runner and removed by
 * redact. Expected forms are computed here independently of src/secrets.ts (by hand or with the
 * encoders that produce them), so a form the registry forgets fails the test.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';

const masked = vi.hoisted(() => [] as string[]);
vi.mock('@actions/core', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@actions/core')>()),
  setSecret: (value: string) => masked.push(value),
}));

const {
  forgetSecretsForTests,
  MIN_LINE_LENGTH,
  redact,
  redactedJson,
  registerCredential,
  registerDocument,
  registerSecret,
  registeredForms,
} = await import('../src/secrets.js');
const { TokenCache } = await import('../src/registry/token.js');
type Client = import('../src/http/transport.js').Client;

beforeEach(() => {
  forgetSecretsForTests();
  masked.length = 0;
});

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** Python's json.dumps (ensure_ascii): every non-ASCII UTF-16 unit as \uxxxx; some encoders use upper-case hex. */
const asciiJson = (text: string, upper = false): string =>
  JSON.stringify(text)
    .slice(1, -1)
    .replace(/[\u0080-\uffff]/g, (c) => {
      const hex = c.charCodeAt(0).toString(16).padStart(4, '0');
      return `\\u${upper ? hex.toUpperCase() : hex}`;
    });

/** Go's encoding/json: HTML-safe escapes for <, > and &. */
const goJson = (text: string): string =>
  JSON.stringify(text)
    .slice(1, -1)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026');

const PASSWORDS: [string, string][] = [
  ['quotes', 'pa"ss\'word"'],
  ['backslashes', 'C:\\new\\table\\\\x'],
  ['percent', '100%25-%0A-%sure'],
  ['double colons', 'a::b::c'],
  ['unicode', 'pässwörd-ñ-ü'],
  ['emoji', 'key🔑lock🔒'],
  ['HTML', '<b>&amp;</b>'],
  ['slashes', 'a/b//c'],
  ['spaces', '  spaced out  '],
  ['4 KB', 'x/Y+z"é\\'.repeat(456)],
];

describe('registerCredential', () => {
  it.each(PASSWORDS)('%s: every form is registered and redacted', (_name, password) => {
    const user = 'robot$ci';
    registerCredential(user, password);
    const pair = `${user}:${password}`;
    const forms = [
      password,
      password.trim(),
      JSON.stringify(password).slice(1, -1),
      JSON.stringify(password).slice(1, -1).replaceAll('/', '\\/'),
      asciiJson(password),
      asciiJson(password, true),
      goJson(password),
      JSON.stringify(JSON.stringify(password).slice(1, -1)).slice(1, -1),
      pair,
      JSON.stringify(pair).slice(1, -1),
      b64(pair),
      b64(pair).replace(/=+$/, ''),
      b64(pair).replaceAll('/', '\\/'),
    ];
    for (const form of forms) {
      expect(masked, `registered: ${form.slice(0, 40)}`).toContain(form);
      const text = `server said: «${form}» (end)`;
      expect(redact(text)).toBe('server said: «***» (end)');
    }
  });

  it('a server message quoting the secret in JSON loses every form of it', () => {
    const password = 'q"uo\\te/é🔑<&>';
    registerCredential('octo', password);
    const submitted = JSON.stringify({
      auths: { 'ghcr.io': { username: 'octo', password, auth: b64(`octo:${password}`) } },
    });
    const message = `admission webhook "deny.example.com" denied the request: ${submitted} (raw ${password})`;
    const out = redact(message);
    expect(out).toBe(
      'admission webhook "deny.example.com" denied the request: {"auths":{"ghcr.io":{"username":"octo","password":"***","auth":"***"}}} (raw ***)',
    );
  });

  it('registers nothing for a blank password, and no pair without a username', () => {
    registerCredential('octo', '   ');
    expect(masked).toEqual([]);
    registerCredential('', 'tok3n-value');
    expect(masked).toContain('tok3n-value');
    expect(masked.some((m) => m.includes(':'))).toBe(false);
  });
});

describe('registerSecret', () => {
  it('registers a multi-line secret whole and each line long enough to matter, never PEM armour or short lines', () => {
    const key = JSON.stringify(
      {
        type: 'service_account',
        private_key: '-----BEGIN PRIVATE KEY-----\nMIIEabc\n-----END PRIVATE KEY-----\n',
      },
      null,
      2,
    );
    registerSecret(key);
    expect(masked).toContain(key);
    const lines = key.split('\n').map((l) => l.trim());
    for (const line of lines) {
      if (line.length >= MIN_LINE_LENGTH) expect(masked).toContain(line);
      else expect(masked).not.toContain(line);
    }
    expect(masked).not.toContain('{');
    registerSecret('-----BEGIN RSA PRIVATE KEY-----\nAAAAbbbbCCCCdddd\n-----END RSA PRIVATE KEY-----');
    expect(masked).toContain('AAAAbbbbCCCCdddd');
    expect(masked).not.toContain('-----BEGIN RSA PRIVATE KEY-----');
  });

  it('registers a short secret whole, but not its trimmed remnant', () => {
    registerSecret(' ab ');
    expect(masked).toEqual([' ab ']);
    expect(redact('a tab and  ab  here')).toBe('a tab and *** here');
  });

  it('registers each form once', () => {
    registerSecret('plain-token-123');
    registerSecret('plain-token-123');
    expect(masked).toEqual(['plain-token-123']);
  });
});

describe('registerDocument', () => {
  it('registers the document, without its final newline, JSON-escaped, and its base64 padded and unpadded', () => {
    const doc = `${JSON.stringify({ auths: { 'r.example.com': { auth: b64('u:p/w') } } }, null, '\t')}\n`;
    registerDocument(doc);
    const value = JSON.stringify({ value: doc });
    for (const form of [doc, doc.trimEnd(), b64(doc), b64(doc).replace(/=+$/, ''), b64(doc.trimEnd())]) {
      expect(masked).toContain(form);
    }
    // A DC/OS value secret echoed back: the escaped document goes.
    expect(redact(`bad: ${value}`)).toBe('bad: {"value":"***"}');
  });
});

describe('redact', () => {
  it.each([
    ['token abc123secret rejected', 100, 'token *** rejected'],
    // A secret across the cut is replaced before cutting, so no part of it survives.
    ['xxxxxxxx abc123secret', 14, 'xxxxxxxx ***'],
    ['0123456789', 4, '0123…'],
    ['nothing to hide', undefined, 'nothing to hide'],
  ])('%j cut to %s', (text, max, want) => {
    registerSecret('abc123secret');
    expect(redact(text, max)).toBe(want);
  });

  it('replaces a longer form before a shorter one inside it', () => {
    registerCredential('user', 'pw"1234');
    // `user:pw"1234` holds the password: the whole pair goes, not `user:***`.
    expect(redact('sent user:pw"1234')).toBe('sent ***');
  });

  it('redactedJson keeps the JSON well-formed while removing escaped forms', () => {
    registerSecret('back\\slash"quote');
    const value = { message: 'echo back\\slash"quote end', n: 1 };
    const text = redactedJson(value);
    expect(JSON.parse(text)).toEqual({ message: 'echo *** end', n: 1 });
  });
});

describe('registry bearer tokens', () => {
  it.each([
    ['token', { token: 'tok.from-the-issuer.9f8e7d6c' }],
    ['access_token', { access_token: 'access.from-the-issuer.1a2b3c4d', token: 'other.token.value' }],
  ])('a token answered as %s is registered before verification uses it', async (_field, answer) => {
    const client = {
      request: () =>
        Promise.resolve({
          status: 200,
          headers: {},
          body: Buffer.from(JSON.stringify(answer)),
          url: 'https://auth.example.test/token',
          attempts: 1,
        }),
    } as unknown as Client;
    const token = await new TokenCache(client).get({ realm: 'https://auth.example.test/token' });
    expect(masked).toContain(token);
    expect(registeredForms()).toContain(token);
    expect(redact(`the registry quoted Bearer ${token}`)).toBe('the registry quoted Bearer ***');
  });
});
