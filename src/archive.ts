/**
 * The docker.tar.gz the Mesos fetcher extracts into a task's sandbox ($HOME), built in memory from
 * our document alone, never from a home directory that may hold other registries' credentials
 * (marathon#3034). Byte-identical for the same inputs: fixed mtime, root/root owners, fixed order,
 * so parallel matrix jobs writing one destination stay idempotent.
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Header } from 'tar/header';
import type { ConfigFormat } from './credentials/documents.js';

const BLOCK = 512;
/** 1970-01-01: no build time leaks into the bytes. */
const FIXED_MTIME = new Date(0);

export interface ArchiveEntry {
  path: string;
  type: 'Directory' | 'File';
  mode: number;
  data?: Buffer;
}

/** The entries Marathon's docs list: `.docker/` 0700 and `.docker/config.json` 0600, or `.dockercfg`. */
export function archiveEntries(document: string, format: ConfigFormat): ArchiveEntry[] {
  const data = Buffer.from(document, 'utf8');
  if (format === 'dockercfg') return [{ path: '.dockercfg', type: 'File', mode: 0o600, data }];
  return [
    { path: '.docker/', type: 'Directory', mode: 0o700 },
    { path: '.docker/config.json', type: 'File', mode: 0o600, data },
  ];
}

function headerBlock(entry: ArchiveEntry): Buffer {
  const block = Buffer.alloc(BLOCK);
  new Header({
    path: entry.path,
    type: entry.type,
    mode: entry.mode,
    uid: 0,
    gid: 0,
    uname: 'root',
    gname: 'root',
    size: entry.data?.length ?? 0,
    mtime: FIXED_MTIME,
  }).encode(block, 0);
  return block;
}

/** A ustar stream: header, data padded to 512-byte blocks, then two zero blocks. */
export function tarBytes(entries: readonly ArchiveEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    parts.push(headerBlock(entry));
    if (entry.data && entry.data.length > 0) {
      parts.push(entry.data, Buffer.alloc((BLOCK - (entry.data.length % BLOCK)) % BLOCK));
    }
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

export interface Archive {
  bytes: Buffer;
  sha256: string;
}

export function buildArchive(document: string, format: ConfigFormat): Archive {
  // zlib writes a zero mtime into the gzip header, so the output depends on the input alone.
  const bytes = gzipSync(tarBytes(archiveEntries(document, format)), { level: 9 });
  return { bytes, sha256: sha256(bytes) };
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The docker config document inside a stored docker.tar.gz (`.docker/config.json` or `.dockercfg`,
 * with or without a leading `./`), read back for plan and audit; undefined when the bytes are not a
 * gzip'd tar holding one.
 */
export function archiveDocument(bytes: Buffer): { format: ConfigFormat; document: string } | undefined {
  let tar: Buffer;
  try {
    tar = gunzipSync(bytes);
  } catch {
    return undefined;
  }
  for (let offset = 0; offset + BLOCK <= tar.length;) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) return undefined;
    const field = (start: number, length: number) =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const prefix = field(345, 155);
    const name = (prefix ? `${prefix}/` : '') + field(0, 100);
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    if (!Number.isFinite(size) || size < 0) return undefined;
    const data = tar.subarray(offset + BLOCK, offset + BLOCK + size);
    const path = name.replace(/^\.\//, '');
    if (type === '0' || type === '') {
      if (path === '.docker/config.json') return { format: 'config.json', document: data.toString('utf8') };
      if (path === '.dockercfg') return { format: 'dockercfg', document: data.toString('utf8') };
    }
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return undefined;
}
