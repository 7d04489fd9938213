/**
 * Local paths as the runner's OS writes them. Pure functions taking the path module (`path.posix`
 * or `path.win32`), so both OSes are tested on either; callers pass `node:path` itself.
 */
import type * as nodePath from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type PathModule = typeof nodePath.posix;

const isWindows = (p: PathModule): boolean => p.sep === '\\';

/** `~`, `~/x` and, on Windows, `~\x` → under `home`; anything else unchanged. */
export function expandHome(text: string, home: string, p: PathModule): string {
  if (text === '~') return home;
  const separators = isWindows(p) ? ['/', '\\'] : ['/'];
  if (text.startsWith('~') && separators.includes(text.charAt(1))) return p.join(home, text.slice(2));
  return text;
}

/** `C:\x`, `C:/x`, `\\server\share\x`: a path Windows reads as local, never a URL scheme. */
export const isWindowsPath = (text: string): boolean =>
  /^[A-Za-z]:[\\/]/.test(text) || /^\\\\[^\\]/.test(text);

/** Path segments, split on every separator the OS accepts. */
export const segments = (text: string, p: PathModule): string[] => text.split(isWindows(p) ? /[\\/]/ : /\//);

/** True when a path climbs with `..`: it would resolve somewhere other than where it seems to point. */
export const climbs = (text: string, p: PathModule): boolean => segments(text, p).includes('..');

/** A file:// URL as a local path (`file:///C:/x` → `C:\x` on Windows). Throws on a bad URL. */
export const fileUrlToPath = (url: URL, p: PathModule): string =>
  fileURLToPath(url, { windows: isWindows(p) });

/** The file:// URL of a local path, as the OS writes it. */
export const pathToFileUrl = (file: string, p: PathModule): string =>
  pathToFileURL(file, { windows: isWindows(p) }).href;

/**
 * Whether an input holding either a document or a path to one (kubeconfig, a key) holds the
 * document: several lines, a flow mapping or list, or a YAML `key: value`. A colon alone is no
 * sign: `D:\a\_temp\kubeconfig` and `/mnt/a:b/config` are paths.
 */
export const isDocumentText = (value: string): boolean => {
  const text = value.trim();
  return /[\r\n]/.test(text) || /^[{[]/.test(text) || /:\s/.test(text);
};
