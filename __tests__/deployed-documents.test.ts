/**
 * Reading deployed credentials back: the config.json / .dockercfg / pull-secret parser, masking at
 * read time, expiry hints, the document inside a stored archive, and the per-target observations
 * built from what was read.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { archiveDocument, buildArchive } from '../src/archive.js';
import { parseRegistry } from '../src/credentials/address.js';
import {
  renderConfigJson,
  renderDockercfg,
  renderKubernetesDockerConfigJson,
} from '../src/credentials/documents.js';
import { credentialExpiry } from '../src/credentials/expiry.js';
import {
  deployedCredentials,
  DocumentError,
  maskDeployed,
  parseDockerConfig,
} from '../src/credentials/parse.js';
import { observeRapyuta } from '../src/targets/rapyuta/inspect.js';
import { observeArchive } from '../src/targets/upload/inspect.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const credential = {
  address: parseRegistry('r.example.com:5000'),
  username: 'robot$ci',
  password: 'pa:ss-W0rd',
};
const hub = {
  address: parseRegistry('docker.io'),
  username: 'hubuser',
  password: 'hub-token-123',
  email: 'a@b.io',
};

describe('parseDockerConfig and deployedCredentials', () => {
  const cases: [string, string, { format: string; keys: string[]; users: string[]; passwords: string[] }][] =
    [
      [
        'our config.json',
        renderConfigJson([credential, hub]),
        {
          format: 'config.json',
          keys: ['r.example.com:5000', 'https://index.docker.io/v1/'],
          users: ['robot$ci', 'hubuser'],
          passwords: ['pa:ss-W0rd', 'hub-token-123'],
        },
      ],
      [
        'legacy .dockercfg',
        renderDockercfg([credential]),
        { format: 'dockercfg', keys: ['r.example.com:5000'], users: ['robot$ci'], passwords: ['pa:ss-W0rd'] },
      ],
      [
        "kubectl's pull secret JSON",
        renderKubernetesDockerConfigJson([hub]),
        {
          format: 'config.json',
          keys: ['https://index.docker.io/v1/'],
          users: ['hubuser'],
          passwords: ['hub-token-123'],
        },
      ],
      [
        'username and password fields without auth',
        JSON.stringify({ auths: { 'https://r.example.com/v2/': { username: 'u', password: 'p-1' } } }),
        { format: 'config.json', keys: ['r.example.com'], users: ['u'], passwords: ['p-1'] },
      ],
      [
        'auth wins over the fields, as docker/cli and kubelet read it',
        JSON.stringify({
          auths: { 'r.example.com': { username: 'stale', password: 'stale', auth: b64('real:pw-2') } },
        }),
        { format: 'config.json', keys: ['r.example.com'], users: ['real'], passwords: ['pw-2'] },
      ],
      [
        'a byte-order mark',
        `\uFEFF${renderConfigJson([credential])}`,
        {
          format: 'config.json',
          keys: ['r.example.com:5000'],
          users: ['robot$ci'],
          passwords: ['pa:ss-W0rd'],
        },
      ],
    ];
  it.each(cases)('%s', (_name, text, expected) => {
    const doc = parseDockerConfig(text);
    expect(doc.format).toBe(expected.format);
    const { credentials, problems } = deployedCredentials(doc);
    expect(problems).toEqual([]);
    expect(credentials.map((c) => c.address.key)).toEqual(expected.keys);
    expect(credentials.map((c) => c.username)).toEqual(expected.users);
    expect(credentials.map((c) => c.password)).toEqual(expected.passwords);
  });

  const bad: [string, string, RegExp][] = [
    ['not JSON', 'auths: {}', /is not JSON/],
    ['not an object', '[1,2]', /not a JSON object/],
    ['auths not an object', '{"auths": []}', /'auths' that is not an object/],
    ['entry not an object', '{"auths": {"r.example.com": "x"}}', /entry for r.example.com is not an object/],
    [
      'auth without a colon',
      `{"auths": {"r.example.com": {"auth": "${b64('nocolon')}"}}}`,
      /not base64 of user:password/,
    ],
    ['empty legacy map', '{}', /holds no registry entries/],
  ];
  it.each(bad)('refuses %s without quoting it', (_name, text, message) => {
    expect(() => parseDockerConfig(text)).toThrow(DocumentError);
    expect(() => parseDockerConfig(text)).toThrow(message);
  });

  it('names entries it cannot verify with, and helpers that override inline entries', () => {
    const doc = parseDockerConfig(
      JSON.stringify({
        auths: {
          'r.example.com': { identitytoken: 'refresh-tok-1' },
          'bad host!': { auth: b64('u:p') },
          'ok.example.com': { auth: b64('u:p') },
        },
        credsStore: 'desktop',
      }),
    );
    expect(doc.helpers).toEqual(['credsStore desktop']);
    const { credentials, problems } = deployedCredentials(doc);
    expect(credentials.map((c) => c.address.key)).toEqual(['ok.example.com']);
    expect(problems).toEqual([
      'r.example.com holds an identity token, which this check cannot use',
      expect.stringMatching(/^entry 'bad host!' is not a registry address/),
    ]);
  });
});

describe('maskDeployed', () => {
  function masked(text: string): string[] {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk).trim());
      return true;
    });
    try {
      maskDeployed(text);
    } finally {
      spy.mockRestore();
    }
    return lines;
  }

  it('registers every form: document, its base64, password, user:pass, auth as stored and as computed', () => {
    const text = JSON.stringify({
      auths: { 'r.example.com': { auth: b64('robot:Deployed-Pw-9'), identitytoken: 'id-tok-77' } },
    });
    const lines = masked(text);
    for (const secret of [
      text,
      b64(text),
      'Deployed-Pw-9',
      'robot:Deployed-Pw-9',
      b64('robot:Deployed-Pw-9'),
      'id-tok-77',
    ]) {
      expect(lines).toContain(`::add-mask::${secret}`);
    }
  });

  it('masks an unparseable document whole and line by line', () => {
    const lines = masked('not json\nsecret-line-12345\n');
    expect(lines).toContain('::add-mask::secret-line-12345');
    expect(lines).toContain('::add-mask::not json%0Asecret-line-12345%0A');
  });
});

describe('credentialExpiry', () => {
  const jwt = (payload: object) =>
    `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.c2ln`;
  const cases: [string, string, string | undefined][] = [
    ['JWT exp in seconds', jwt({ exp: 1_800_000_000 }), '2027-01-15T08:00:00.000Z'],
    ['JWT without exp', jwt({ sub: 'x' }), undefined],
    [
      'ECR-style base64 JSON',
      b64(JSON.stringify({ payload: 'x', expiration: 1_800_000_000 })),
      '2027-01-15T08:00:00.000Z',
    ],
    ['milliseconds', b64(JSON.stringify({ expiration: 1_800_000_000_000 })), '2027-01-15T08:00:00.000Z'],
    ['a plain password', 'hunter2-plain', undefined],
    ['dots but not a JWT', 'a.b.c', undefined],
  ];
  it.each(cases)('%s', (_name, password, expected) => {
    expect(credentialExpiry(password)?.toISOString()).toBe(expected);
  });
});

describe('archiveDocument', () => {
  it('reads the document back from our archive, in both formats', () => {
    const json = renderConfigJson([credential]);
    expect(archiveDocument(buildArchive(json, 'config.json').bytes)).toEqual({
      format: 'config.json',
      document: json,
    });
    const cfg = renderDockercfg([credential]);
    expect(archiveDocument(buildArchive(cfg, 'dockercfg').bytes)).toEqual({
      format: 'dockercfg',
      document: cfg,
    });
  });

  it('reads one made by hand with system tar (./ prefix), and refuses what is not one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-tar-'));
    try {
      fs.mkdirSync(path.join(dir, 'home/.docker'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'home/.docker/config.json'), '{"auths":{}}');
      execFileSync('tar', [
        '-czf',
        path.join(dir, 'docker.tar.gz'),
        '-C',
        path.join(dir, 'home'),
        './.docker',
      ]);
      expect(archiveDocument(fs.readFileSync(path.join(dir, 'docker.tar.gz')))).toEqual({
        format: 'config.json',
        document: '{"auths":{}}',
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(archiveDocument(Buffer.from('plain text'))).toBeUndefined();
    expect(archiveDocument(gzipSync(Buffer.alloc(1024)))).toBeUndefined();
  });
});

describe('observeArchive', () => {
  const desired = buildArchive(renderConfigJson([credential]), 'config.json');
  const old = buildArchive(renderConfigJson([{ ...credential, password: 'old-Pw-1' }]), 'config.json');
  const present = (bytes: Buffer, current: boolean) => ({
    found: 'present' as const,
    bytes,
    current: () => current,
  });
  it.each([
    [
      'nothing stored',
      { found: 'absent' as const },
      { found: 'absent', changes: [`+ archive sha256 ${desired.sha256} with r.example.com:5000`] },
    ],
    ['the same archive', present(desired.bytes, true), { found: 'present', managed: true, upToDate: true }],
    [
      'an older password',
      present(old.bytes, false),
      {
        found: 'present',
        managed: true,
        upToDate: false,
        changes: [
          `~ archive sha256 ${old.sha256} → ${desired.sha256}`,
          '~ registry r.example.com:5000: password changed',
        ],
      },
    ],
    [
      'something else',
      present(Buffer.from('not an archive'), false),
      { found: 'present', managed: false, upToDate: false },
    ],
    [
      'a presigned PUT URL',
      { found: 'unreadable' as const, reason: 'cannot GET' },
      { found: 'unreadable', message: 'cannot GET' },
    ],
  ])('%s', (_name, stored, expected) => {
    const at = () => ({ sha256: desired.sha256, credentials: [credential] });
    expect(observeArchive('dest', stored, at)).toMatchObject(expected);
  });
});

describe('observeRapyuta', () => {
  const secret = { name: 'team-pull', registry: 'https://r.example.com:5000', credential };
  it.each([
    ['missing', undefined, 'present', { found: 'absent' }],
    [
      'a docker secret: never readable',
      { type: 'Docker', registry: secret.registry },
      'present',
      { found: 'unreadable' },
    ],
    [
      'another registry',
      { type: 'Docker', registry: 'https://old.example.com', username: 'robot$ci' },
      'present',
      {
        found: 'unreadable',
        changes: [
          '~ registry https://old.example.com → https://r.example.com:5000',
          'password rewritten (it cannot be read back to compare)',
        ],
      },
    ],
    [
      'an Opaque secret under the name',
      { type: 'Opaque' },
      'present',
      { managed: false, refusal: expect.stringMatching(/not overwriting/) as string },
    ],
    [
      'deleting an Opaque secret',
      { type: 'Opaque' },
      'absent',
      { refusal: expect.stringMatching(/not deleting/) as string },
    ],
  ] as const)('%s', (_name, stored, state, expected) => {
    expect(observeRapyuta(stored ? { secret, stored } : { secret }, state)).toMatchObject(expected);
  });
  it('a failed read is a failure', () => {
    expect(observeRapyuta({ secret, error: 'rapyuta.io answered 401' }, 'present')).toEqual({
      subject: 'team-pull',
      found: 'failed',
      message: 'rapyuta.io answered 401',
    });
  });
});
