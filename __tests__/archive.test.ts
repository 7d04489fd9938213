import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildArchive, sha256 } from '../src/archive.js';
import { parseRegistry } from '../src/credentials/address.js';
import { renderDocument, type ConfigFormat } from '../src/credentials/documents.js';

const credentials = [
  { address: parseRegistry('registry.example.com:5000'), username: 'ci', password: 'archive-pw' },
];

function unpack(bytes: Buffer): { dir: string; listing: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-archive-'));
  const file = path.join(dir, 'docker.tar.gz');
  fs.writeFileSync(file, bytes);
  const listing = execFileSync('tar', ['-tvzf', file], { encoding: 'utf8' });
  const home = path.join(dir, 'home');
  fs.mkdirSync(home);
  execFileSync('tar', ['-xzf', file, '-C', home]);
  return { dir: home, listing };
}

describe('docker.tar.gz', () => {
  it.each<[ConfigFormat, string[], string]>([
    [
      'config.json',
      [
        'drwx------ root/root 0 1970-01-01 00:00 .docker/',
        '-rw------- root/root SIZE 1970-01-01 00:00 .docker/config.json',
      ],
      '.docker/config.json',
    ],
    ['dockercfg', ['-rw------- root/root SIZE 1970-01-01 00:00 .dockercfg'], '.dockercfg'],
  ])(
    '%s: exactly the expected entries, modes and owners, readable by system tar',
    (format, expected, file) => {
      const document = renderDocument(credentials, format);
      const { dir, listing } = unpack(buildArchive(document, format).bytes);
      const lines = listing
        .trim()
        .split('\n')
        .map((l) => l.replace(/\s+/g, ' '));
      expect(lines).toEqual(expected.map((l) => l.replace('SIZE', String(Buffer.byteLength(document)))));
      expect(fs.readFileSync(path.join(dir, file), 'utf8')).toBe(document);
      // As extracted: every entry keeps its mode (.docker/ 0700, the document 0600).
      const modes = Object.fromEntries(
        fs
          .readdirSync(dir, { recursive: true })
          .map(String)
          .map((entry) => [entry.split(path.sep).join('/'), fs.statSync(path.join(dir, entry)).mode & 0o777]),
      );
      expect(modes).toEqual(
        format === 'config.json'
          ? { '.docker': 0o700, '.docker/config.json': 0o600 }
          : { '.dockercfg': 0o600 },
      );
    },
  );

  it('is byte-identical for the same inputs and differs when they change', () => {
    const document = renderDocument(credentials, 'config.json');
    const a = buildArchive(document, 'config.json');
    const b = buildArchive(document, 'config.json');
    expect(a.bytes.equals(b.bytes)).toBe(true);
    expect(a.sha256).toBe(sha256(a.bytes));
    const other = buildArchive(
      renderDocument([{ ...credentials[0]!, password: 'other' }], 'config.json'),
      'config.json',
    );
    expect(other.sha256).not.toBe(a.sha256);
  });

  it('holds only the document given, never a home directory', () => {
    const { dir } = unpack(buildArchive(renderDocument(credentials, 'config.json'), 'config.json').bytes);
    expect(fs.readdirSync(dir, { recursive: true }).sort()).toEqual([
      '.docker',
      path.join('.docker', 'config.json'),
    ]);
  });
});
