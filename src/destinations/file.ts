import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { sha256 } from '../archive.js';
import { InputError } from '../errors.js';
import { readIfExists, restrictToOwner, writeFileAtomic } from '../fsutil.js';
import { climbs, fileUrlToPath, isWindowsPath, pathToFileUrl, segments, type PathModule } from '../paths.js';
import { hasControlCharacter } from '../text.js';
import type { Destination, DestinationKind } from './types.js';

function fromFileUri(uri: string, p: PathModule): string {
  const rest = uri.slice('file:'.length);
  if (!rest.startsWith('/')) {
    throw new InputError(
      'upload-to',
      `'${uri}' is a relative path: write file:///absolute/path (three slashes) or an absolute path`,
    );
  }
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new InputError('upload-to', `'${uri}' is not a valid file:// URI`);
  }
  // file://tmp/x.tar.gz names the host "tmp", not the directory /tmp: almost always a slash too few.
  if (url.hostname !== '') {
    throw new InputError(
      'upload-to',
      `'${uri}' names the host '${url.hostname}': a file destination is local, written file:///absolute/path ` +
        `(three slashes), e.g. file:///${uri.slice('file://'.length)}`,
    );
  }
  // The URL parser resolves `..` away before we see the path: look at the text as written.
  let written: string;
  try {
    written = decodeURIComponent(rest);
  } catch {
    throw new InputError('upload-to', `'${uri}' is not a valid file:// URI`);
  }
  checkText(uri, written, p);
  try {
    return fileUrlToPath(url, p);
  } catch {
    throw new InputError('upload-to', `'${uri}' is not a valid file:// URI`);
  }
}

/** Refuses what would land elsewhere than written: `..` segments, NUL and other control characters. */
function checkText(uri: string, text: string, p: PathModule): void {
  if (hasControlCharacter(text)) {
    throw new InputError(
      'upload-to',
      `'${JSON.stringify(uri).slice(1, -1)}' holds a control character (NUL, newline…)`,
    );
  }
  if (climbs(text, p)) {
    throw new InputError(
      'upload-to',
      `'${uri}' has a '..' segment, which would put the archive outside the directory it names: write the path without '..'`,
    );
  }
}

/**
 * The local file an `upload-to` line names: `file:///abs/path`, `/abs/path`, and on Windows
 * `C:\path`, `C:/path` or `file:///C:/path`. Pure: `p` is the runner OS's path module.
 */
export function localPath(uri: string, p: PathModule): string {
  const file = uri.startsWith('file:') ? fromFileUri(uri, p) : fromPath(uri, p);
  if (/[\\/]$/.test(uri) || segments(file, p).at(-1) === '') {
    throw new InputError('upload-to', `'${uri}' names a directory, not a file`);
  }
  return file;
}

function fromPath(uri: string, p: PathModule): string {
  checkText(uri, uri, p);
  if (!p.isAbsolute(uri) || (p.sep === '\\' && !isWindowsPath(uri))) {
    throw new InputError(
      'upload-to',
      `'${uri}' is not an absolute path: give ${p.sep === '\\' ? 'C:\\path\\docker.tar.gz' : '/absolute/path'} or file:///absolute/path`,
    );
  }
  return p.normalize(uri);
}

/** `file:///abs/path`, `/abs/path` or `C:\path`: a shared mount or a path rsync'ed to every agent. */
export const fileDestination: DestinationKind = {
  name: 'file',
  matches: (uri) =>
    uri.startsWith('file:') || uri.startsWith('/') || isWindowsPath(uri) || !/^[a-z][a-z0-9+.-]*:/i.test(uri),
  parse(uri) {
    const file = localPath(uri, path);
    // A directory there would fail only after verification, with the OS's message: say it now.
    if (fs.statSync(file, { throwIfNoEntry: false })?.isDirectory()) {
      throw new InputError(
        'upload-to',
        `'${uri}' is an existing directory: name the archive file inside it (…/docker.tar.gz)`,
      );
    }
    const href = pathToFileUrl(file, path);
    const destination: Destination = {
      display: href,
      fetchUri: () => href,
      secrets: [],
      async put(archive) {
        const existing = await readIfExists(file);
        if (existing && sha256(existing) === archive.sha256) {
          // Same bytes, but the archive holds credentials: make sure it is private all the same.
          await restrictToOwner(file);
          return 'unchanged';
        }
        await writeFileAtomic(file, archive.bytes, 0o600);
        return 'written';
      },
      async read() {
        const existing = await readIfExists(file);
        if (!existing) return { found: 'absent' };
        return {
          found: 'present',
          bytes: existing,
          current: (digest: string) => sha256(existing) === digest,
        };
      },
      async remove() {
        try {
          await fsp.unlink(file);
          return 'deleted';
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
          throw error;
        }
      },
    };
    return destination;
  },
};
