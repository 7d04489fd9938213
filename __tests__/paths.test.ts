/** Local path rules, checked for both runner OSes on any OS through path.posix and path.win32. */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  climbs,
  expandHome,
  fileUrlToPath,
  isDocumentText,
  isWindowsPath,
  pathToFileUrl,
  type PathModule,
} from '../src/paths.js';

const { posix, win32 } = path;

describe('expandHome', () => {
  it.each<[PathModule, string, string, string]>([
    [posix, '/home/runner', '~', '/home/runner'],
    [posix, '/home/runner', '~/.kube/config', '/home/runner/.kube/config'],
    [posix, '/home/runner', '~\\x', '~\\x'], // a backslash is a file-name character on POSIX
    [posix, '/home/runner', '~other/x', '~other/x'],
    [posix, '/home/runner', '/etc/x', '/etc/x'],
    [win32, 'C:\\Users\\runneradmin', '~\\.kube\\config', 'C:\\Users\\runneradmin\\.kube\\config'],
    [win32, 'C:\\Users\\runneradmin', '~/.kube/config', 'C:\\Users\\runneradmin\\.kube\\config'],
    [win32, 'C:\\Users\\runneradmin', 'D:\\a\\_temp\\kubeconfig', 'D:\\a\\_temp\\kubeconfig'],
  ])('%#: %s + %s', (p, home, text, expected) => {
    expect(expandHome(text, home, p)).toBe(expected);
  });
});

describe('telling a path from a document', () => {
  it.each([
    ['D:\\a\\_temp\\kubeconfig', false],
    ['C:/Users/runneradmin/.kube/config', false],
    ['/mnt/vol:1/kubeconfig', false],
    ['~\\.kube\\config', false],
    ['relative/kubeconfig', false],
    ['apiVersion: v1\nkind: Config\n', true],
    ['apiVersion: v1', true],
    ['{"apiVersion":"v1","clusters":[]}', true],
    ['-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----', true],
  ])('%j is a document: %s', (text, expected) => {
    expect(isDocumentText(text)).toBe(expected);
  });
});

describe('Windows paths and file URLs', () => {
  it.each([
    ['C:\\x', true],
    ['c:/x', true],
    ['\\\\server\\share', true],
    ['C:', false],
    ['s3://bucket/key', false],
    ['/srv/x', false],
  ])('%s is a Windows path: %s', (text, expected) => {
    expect(isWindowsPath(text)).toBe(expected);
  });

  it.each<[PathModule, string, string]>([
    [posix, 'file:///srv/docker.tar.gz', '/srv/docker.tar.gz'],
    [win32, 'file:///C:/agents/docker.tar.gz', 'C:\\agents\\docker.tar.gz'],
  ])('%#: %s ↔ %s', (p, url, file) => {
    expect(fileUrlToPath(new URL(url), p)).toBe(file);
    expect(pathToFileUrl(file, p)).toBe(url);
  });

  it.each<[PathModule, string, boolean]>([
    [posix, '/srv/../x', true],
    [posix, '/srv/..x/y', false],
    [posix, '/srv/a\\..\\b', false],
    [win32, 'C:\\srv\\..\\x', true],
    [win32, 'C:/srv/../x', true],
  ])('%#: %s climbs: %s', (p, text, expected) => {
    expect(climbs(text, p)).toBe(expected);
  });
});
