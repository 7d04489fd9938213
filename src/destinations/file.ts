import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sha256 } from '../archive.js';
import { InputError } from '../errors.js';
import { readIfExists, writeFileAtomic } from '../fsutil.js';
import type { Destination, DestinationKind } from './types.js';

function localPath(uri: string): string {
  if (uri.startsWith('file:')) {
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
    try {
      return fileURLToPath(url);
    } catch {
      throw new InputError('upload-to', `'${uri}' is not a valid file:// URI`);
    }
  }
  if (!path.isAbsolute(uri)) {
    throw new InputError(
      'upload-to',
      `'${uri}' is a relative path: give an absolute path or file:///absolute/path`,
    );
  }
  return path.normalize(uri);
}

/** `file:///abs/path` or `/abs/path`: a shared mount or a path rsync'ed to every agent. */
export const fileDestination: DestinationKind = {
  name: 'file',
  matches: (uri) => uri.startsWith('file:') || uri.startsWith('/') || !/^[a-z][a-z0-9+.-]*:/i.test(uri),
  parse(uri) {
    const file = localPath(uri);
    if (file.endsWith(path.sep)) throw new InputError('upload-to', `'${uri}' names a directory, not a file`);
    const destination: Destination = {
      display: pathToFileURL(file).href,
      fetchUri: () => pathToFileURL(file).href,
      secrets: [],
      async put(archive) {
        const existing = await readIfExists(file);
        if (existing && sha256(existing) === archive.sha256) {
          // Same bytes, but the archive holds credentials: make sure it is 0600 all the same.
          await fs.chmod(file, 0o600);
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
          await fs.unlink(file);
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
