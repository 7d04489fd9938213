/**
 * What an audit compares a place with when some credentials are minted: the place's own stored
 * username and password stand in for the minted ones, every other field is the inputs'.
 */
import { describe, expect, it } from 'vitest';
import { parseRegistry } from '../src/credentials/address.js';
import { renderConfigJson, type Credential } from '../src/credentials/documents.js';
import { desiredAt, withStoredMinted } from '../src/credentials/minted.js';

const ecr: Credential = {
  address: parseRegistry('123456789012.dkr.ecr.us-east-1.amazonaws.com'),
  username: '',
  password: '',
  auth: 'aws',
};
const typed: Credential = {
  address: parseRegistry('registry.example.com'),
  username: 'ci',
  password: 'typed-Pw-1',
};
const stored = (entries: Record<string, [string, string]>) =>
  JSON.stringify({
    auths: Object.fromEntries(
      Object.entries(entries).map(([key, [username, password]]) => [
        key,
        { username, password, auth: Buffer.from(`${username}:${password}`).toString('base64') },
      ]),
    ),
  });

describe('withStoredMinted', () => {
  const ecrKey = ecr.address.key;
  it.each<{ name: string; document: string | undefined; want: [string, string][] }>([
    {
      name: 'the minted credential takes what the place stores under its key',
      document: stored({ [ecrKey]: ['AWS', 'stored-ecr-token'], 'registry.example.com': ['ci', 'old-Pw'] }),
      // The typed one stays the inputs': a rotated typed password is still a change.
      want: [
        ['AWS', 'stored-ecr-token'],
        ['ci', 'typed-Pw-1'],
      ],
    },
    {
      name: 'nothing stored under its key: it stays empty (the place lacks it)',
      document: stored({ 'registry.example.com': ['ci', 'typed-Pw-1'] }),
      want: [
        ['', ''],
        ['ci', 'typed-Pw-1'],
      ],
    },
    {
      name: 'nothing stored at all',
      document: undefined,
      want: [
        ['', ''],
        ['ci', 'typed-Pw-1'],
      ],
    },
    {
      name: 'a stored value that is not a docker config',
      document: 'not json',
      want: [
        ['', ''],
        ['ci', 'typed-Pw-1'],
      ],
    },
  ])('$name', ({ document, want }) => {
    expect(withStoredMinted([ecr, typed], document).map((c) => [c.username, c.password])).toEqual(want);
  });
});

describe('desiredAt', () => {
  const document = stored({
    [ecr.address.key]: ['AWS', 'stored-ecr-token'],
    'registry.example.com': ['ci', 'typed-Pw-1'],
  });
  const asStored = renderConfigJson([{ ...ecr, username: 'AWS', password: 'stored-ecr-token' }, typed]);
  const unminted = { ...ecr, auth: undefined };
  it.each([
    // An audit with a minted credential: the place stores exactly what the inputs would write.
    { mode: 'audit' as const, credentials: [ecr, typed], same: true },
    // Apply and plan mint first: what they would write is their own.
    { mode: 'plan' as const, credentials: [ecr, typed], same: false },
    { mode: 'apply' as const, credentials: [ecr, typed], same: false },
    // Nothing minted: the inputs' credentials, whatever the mode.
    { mode: 'audit' as const, credentials: [unminted, typed], same: false },
  ])('mode $mode: what the place stores is what apply would write: $same', ({ mode, credentials, same }) => {
    const want = desiredAt({ mode, credentials }, renderConfigJson(credentials), renderConfigJson)(document);
    expect(want.document).toBe(same ? asStored : renderConfigJson(credentials));
    expect(want.document === asStored).toBe(same);
  });
});
