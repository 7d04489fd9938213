/** The pure classifiers of mode plan and mode audit, table by table. */
import { describe, expect, it } from 'vitest';
import { parseRegistry } from '../src/credentials/address.js';
import type { Credential } from '../src/credentials/documents.js';
import {
  auditStatus,
  documentChanges,
  isChange,
  jsonDiff,
  PLANNED_AS,
  planAction,
  registryChanges,
  type AuditCheck,
} from '../src/modes/classify.js';
import type { Verdict } from '../src/registry/types.js';
import type { Observation } from '../src/targets/types.js';

const obs = (fields: Partial<Observation>): Observation => ({
  subject: 'place',
  found: 'present',
  message: 'read',
  ...fields,
});

describe('planAction', () => {
  const cases: [string, Partial<Observation>, 'present' | 'absent', string, RegExp?][] = [
    ['nothing stored', { found: 'absent' }, 'present', 'would-create'],
    ['stored and equal', { upToDate: true }, 'present', 'unchanged'],
    ['stored and different', { upToDate: false }, 'present', 'would-update'],
    ['stored but unreadable (rapyuta.io)', { found: 'unreadable' }, 'present', 'would-update'],
    ['read failed', { found: 'failed', message: 'HTTP 403' }, 'present', 'failed', /HTTP 403/],
    [
      'foreign secret without force',
      { managed: false, refusal: 'not ours' },
      'present',
      'failed',
      /would refuse: not ours/,
    ],
    ['missing namespace, absent store', { found: 'absent', refusal: 'no ns' }, 'present', 'failed', /no ns/],
    ['dependency would fail', { skip: 'DC/OS secret not stored' }, 'present', 'skipped', /DC\/OS/],
    ['absent: nothing to delete', { found: 'absent' }, 'absent', 'unchanged'],
    ['absent: ours', { managed: true }, 'absent', 'would-delete'],
    ['absent: unreadable is deleted too', { found: 'unreadable' }, 'absent', 'would-delete'],
    [
      'absent: foreign left in place',
      { managed: false, kept: 'left in place' },
      'absent',
      'unchanged',
      /left in place/,
    ],
    ['absent: refused (wrong type)', { refusal: 'Opaque secret' }, 'absent', 'failed', /Opaque/],
    ['absent: failed read', { found: 'failed' }, 'absent', 'failed'],
  ];
  it.each(cases)('%s', (_name, fields, state, action, message) => {
    const result = planAction(obs(fields), state);
    expect(result.action).toBe(action);
    expect(result.message).toMatch(message ?? /./);
  });

  it('every planned action names the apply actions that fulfil it, and only changes count', () => {
    expect(PLANNED_AS['would-create']).toEqual(['created', 'written']);
    expect(PLANNED_AS.unchanged).toEqual(['unchanged', 'absent']);
    expect(
      ['would-create', 'would-update', 'would-delete', 'created', 'written', 'deleted'].map(isChange),
    ).toEqual([true, true, true, true, true, true]);
    expect(['unchanged', 'absent', 'failed', 'skipped', 'ok', 'stale'].map(isChange)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

const verdict = (status: Verdict['status']): Verdict => ({
  image: 'r.example.com/app:1',
  registry: 'r.example.com',
  repository: 'app',
  reference: '1',
  status,
  authScheme: 'basic',
  message: status === 'ok' ? 'pullable' : 'the registry rejected these credentials',
  ms: 1,
});

describe('auditStatus', () => {
  const now = new Date('2026-11-30T08:00:00Z');
  const hour = 3_600_000;
  const check = (fields: Partial<AuditCheck> = {}): AuditCheck => ({ now, minLifetimeMs: hour, ...fields });
  const cases: [string, Partial<Observation>, Partial<AuditCheck>, string, RegExp?][] = [
    ['read failed', { found: 'failed', message: 'forbidden' }, {}, 'failed', /forbidden/],
    ['nothing stored', { found: 'absent' }, {}, 'missing'],
    ['not ours', { managed: false }, { verdicts: [verdict('ok')] }, 'foreign'],
    [
      'cannot be read back',
      { found: 'unreadable', message: 'never returns the password' },
      {},
      'unknown',
      /never/,
    ],
    [
      'pull fails',
      { upToDate: true },
      { verdicts: [verdict('unauthorized')] },
      'broken',
      /app:1 unauthorized/,
    ],
    ['broken beats stale', { upToDate: false }, { verdicts: [verdict('denied')] }, 'broken', /denied/],
    [
      'expires within min-lifetime',
      { upToDate: true },
      { verdicts: [verdict('ok')], expiresAt: new Date(now.getTime() + 20 * 60_000) },
      'expiring',
      /expires in 20 min/,
    ],
    [
      'already expired',
      { upToDate: true },
      { expiresAt: new Date(now.getTime() - 2 * hour) },
      'expiring',
      /expired 2 h ago/,
    ],
    [
      'expires later than min-lifetime',
      { upToDate: true },
      { verdicts: [verdict('ok')], expiresAt: new Date(now.getTime() + 3 * hour) },
      'ok',
      /expires 2026-11-30T11:00:00.000Z/,
    ],
    [
      'differs from the inputs',
      { upToDate: false, changes: ['~ registry r.example.com: password changed'] },
      { verdicts: [verdict('ok')] },
      'stale',
      /password changed/,
    ],
    ['all good', { upToDate: true }, { verdicts: [verdict('ok')] }, 'ok', /pull r.example.com\/app:1/],
    ['verification off', { upToDate: true }, {}, 'ok'],
    [
      'unverifiable entries are said',
      { upToDate: true },
      { unverifiable: 'an identity token' },
      'ok',
      /not verified: an identity token/,
    ],
    ['skipped', { skip: 'no archive' }, {}, 'skipped'],
  ];
  it.each(cases)('%s', (_name, fields, checked, status, message) => {
    const result = auditStatus(obs(fields), check(checked));
    expect(result.action).toBe(status);
    expect(result.message).toMatch(message ?? /./);
  });
});

const cred = (registry: string, username: string, password: string, email?: string): Credential => ({
  address: parseRegistry(registry),
  username,
  password,
  ...(email ? { email } : {}),
});

describe('registryChanges and documentChanges', () => {
  const stored = (entries: Record<string, { username: string; password: string; email?: string }>) =>
    JSON.stringify({
      auths: Object.fromEntries(
        Object.entries(entries).map(([key, e]) => [
          key,
          {
            auth: Buffer.from(`${e.username}:${e.password}`).toString('base64'),
            ...(e.email ? { email: e.email } : {}),
          },
        ]),
      ),
    });
  const cases: [string, string, Credential[], string[]][] = [
    [
      'same',
      stored({ 'r.example.com': { username: 'u', password: 'p1' } }),
      [cred('r.example.com', 'u', 'p1')],
      [],
    ],
    [
      'password rotated',
      stored({ 'r.example.com': { username: 'u', password: 'p1' } }),
      [cred('r.example.com', 'u', 'p2')],
      ['~ registry r.example.com: password changed'],
    ],
    [
      'user and e-mail',
      stored({ 'r.example.com': { username: 'u', password: 'p', email: 'a@x.io' } }),
      [cred('r.example.com', 'v', 'p', 'b@x.io')],
      ['~ registry r.example.com: username, email changed'],
    ],
    [
      'added and removed',
      stored({ 'old.example.com': { username: 'u', password: 'p' } }),
      [cred('new.example.com', 'u', 'p')],
      ['+ registry new.example.com', '- registry old.example.com'],
    ],
    [
      'keys compared canonically (https://…/v2/ is the bare host)',
      stored({ 'https://r.example.com:5000/v2/': { username: 'u', password: 'p' } }),
      [cred('r.example.com:5000', 'u', 'p')],
      [],
    ],
    [
      'not a docker config',
      'hello',
      [cred('r.example.com', 'u', 'p')],
      ['the stored document is not JSON: replaced whole'],
    ],
  ];
  it.each(cases)('%s', (_name, text, desired, expected) => {
    expect(documentChanges(text, desired)).toEqual(expected);
  });

  it('never puts a value in a change', () => {
    const changes = registryChanges(
      [{ key: 'r.example.com', username: 'u', password: 'old-Secret-1' }],
      [cred('r.example.com', 'u', 'new-Secret-2')],
    );
    expect(changes.join('\n')).not.toMatch(/Secret/);
  });
});

describe('jsonDiff', () => {
  const cases: [string, unknown, unknown, string[]][] = [
    ['equal', { a: 1 }, { a: 1 }, []],
    ['added key', { a: 1 }, { a: 1, b: { c: true } }, ['+ /b: {"c":true}']],
    ['removed key', { a: 1, b: 2 }, { a: 1 }, ['- /b: 2']],
    [
      'changed scalar',
      { container: { type: 'DOCKER' } },
      { container: { type: 'MESOS' } },
      ['~ /container/type: "DOCKER" → "MESOS"'],
    ],
    [
      'array element added',
      { fetch: [{ uri: 'a' }] },
      { fetch: [{ uri: 'a' }, { uri: 'b' }] },
      ['+ /fetch/1: {"uri":"b"}'],
    ],
    ['escaped pointer', { 'a/b': 1 }, { 'a/b': 2 }, ['~ /a~1b: 1 → 2']],
    ['type change', { a: [1] }, { a: { x: 1 } }, ['~ /a: [1] → {"x":1}']],
  ];
  it.each(cases)('%s', (_name, before, after, expected) => {
    expect(jsonDiff(before as never, after as never)).toEqual(expected);
  });
});
