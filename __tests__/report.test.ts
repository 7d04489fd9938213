import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as core from '@actions/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { annotate, setOutputs, writeSummary, type RunReport } from '../src/report.js';
import { registerCredential } from '../src/secrets.js';

// core.summary keeps the first file it wrote to, so every test uses the same one, emptied.
const summaryPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pc-summary-')), 'summary.md');
const summaryFile = () => {
  fs.writeFileSync(summaryPath, '');
  process.env['GITHUB_STEP_SUMMARY'] = summaryPath;
  return summaryPath;
};
afterEach(() => {
  Reflect.deleteProperty(process.env, 'GITHUB_STEP_SUMMARY');
  core.summary.emptyBuffer();
});

const report: RunReport = {
  state: 'present',
  registries: ['registry.example.com:5000'],
  configPath: '/tmp/run/docker/config.json',
  verification: {
    mode: 'fail',
    verdicts: [
      {
        image: 'registry.example.com:5000/team/app:<1>',
        registry: 'registry.example.com:5000',
        repository: 'team/app',
        reference: '1',
        status: 'not-found',
        authScheme: 'basic',
        message: 'tag <1> does not exist in team/app & friends',
        ms: 12,
      },
    ],
  },
  outcomes: new Map([
    [
      'marathon',
      { results: [{ target: 'marathon', subject: 'deploy/app.json', action: 'updated', message: '' }] },
    ],
  ]),
};

describe('job summary', () => {
  it('is well-formed HTML: every cell closed (empty ones too) and every value escaped', async () => {
    const file = summaryFile();
    await writeSummary(report);
    const html = fs.readFileSync(file, 'utf8');
    expect(html.match(/<td>/g)?.length).toBe(html.match(/<\/td>/g)?.length);
    expect(html).toContain('tag &#60;1&#62; does not exist in team/app &#38; friends');
    expect(html).not.toContain('<1>');
    expect(html).toContain('<td>—</td>'); // the empty platforms / details cells
  });
});

describe('annotations', () => {
  it('one error per distinct target failure, naming every subject it hit', () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    const failed = (subject: string, message: string) => ({
      target: 'kubernetes',
      subject,
      action: 'failed' as const,
      message,
    });
    try {
      annotate({
        state: 'present',
        registries: [],
        outcomes: new Map([
          [
            'kubernetes',
            {
              results: [
                failed('old/apps', 'unauthorized (401) in context old'),
                failed('old/web', 'unauthorized (401) in context old'),
                failed('new/apps', 'forbidden: needs update on secrets'),
              ],
            },
          ],
        ]),
      });
    } finally {
      spy.mockRestore();
    }
    // Annotation properties are escaped by the runner's command format (',' → %2C, ':' → %3A).
    const errors = lines
      .filter((l) => l.startsWith('::error'))
      .map((l) => l.replace(/%2C/g, ',').replace(/%3A/g, ':'));
    expect(errors).toHaveLength(2);
    expect(errors[0]).toContain(
      'title=kubernetes old/apps, old/web: failed::unauthorized (401) in context old',
    );
    expect(errors[1]).toContain('title=kubernetes new/apps: failed::forbidden');
  });
});

describe('every sink redacts what servers quoted', () => {
  it('outputs, annotations and the summary carry no registered form of a secret', async () => {
    const password = 'pa"ss<&>wörd';
    registerCredential('octo', password);
    const escaped = JSON.stringify(password).slice(1, -1);
    const auth = Buffer.from(`octo:${password}`).toString('base64');
    const quoted = `webhook denied: {"password":"${escaped}","auth":"${auth}"} raw ${password}`;
    const failing: RunReport = {
      state: 'present',
      registries: [],
      outcomes: new Map([
        [
          'kubernetes',
          {
            results: [
              { target: 'kubernetes', subject: `ctx/${password}`, action: 'failed', message: quoted },
            ],
            outputs: { kubernetes: [{ message: quoted }] },
          },
        ],
      ]),
    };
    const file = summaryFile();
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    const outputFile = path.join(path.dirname(file), 'output');
    fs.writeFileSync(outputFile, '');
    process.env['GITHUB_OUTPUT'] = outputFile;
    try {
      setOutputs(failing);
      annotate(failing);
      await writeSummary(failing);
    } finally {
      spy.mockRestore();
      Reflect.deleteProperty(process.env, 'GITHUB_OUTPUT');
    }
    const output = fs.readFileSync(outputFile, 'utf8');
    const shown = [lines.join(''), output, fs.readFileSync(file, 'utf8')].join('\n');
    const html = password.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    const command = (text: string) => text.replace(/%/g, '%25').replace(/:/g, '%3A').replace(/,/g, '%2C');
    for (const form of [password, escaped, auth, html, command(password)]) expect(shown).not.toContain(form);
    // The message survives, the secret does not; the output is still JSON.
    expect(output).toContain('webhook denied: {\\"password\\":\\"***\\",\\"auth\\":\\"***\\"} raw ***');
    expect(lines.join('')).toContain('title=kubernetes ctx/***%3A failed::webhook denied');
  });
});

describe('plan and audit reports', () => {
  const result = (target: string, subject: string, action: string, message = '', changes?: string[]) => ({
    target,
    subject,
    action: action as never,
    message,
    ...(changes ? { changes } : {}),
  });

  function captured(run: () => void): string[] {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      run();
    } finally {
      spy.mockRestore();
    }
    return lines.map((l) => l.replace(/%2C/g, ',').replace(/%3A/g, ':'));
  }

  it('a plan is a table of planned actions with what would change, escaped, and the change count', async () => {
    const file = summaryFile();
    const outputFile = path.join(path.dirname(file), 'output');
    fs.writeFileSync(outputFile, '');
    process.env['GITHUB_OUTPUT'] = outputFile;
    const planned: RunReport = {
      mode: 'plan',
      state: 'present',
      registries: [],
      outcomes: new Map([
        [
          'marathon',
          {
            results: [
              result('marathon', 'deploy/app.json', 'would-update', 'definition differs', [
                '+ /secrets: {"a":"<b>"}',
              ]),
              result('marathon', 'deploy/pod.json', 'unchanged', 'already patched'),
            ],
          },
        ],
        ['dcos', { results: [result('dcos', 'https://d /p', 'would-create', 'no such secret')] }],
      ]),
    };
    try {
      await writeSummary(planned);
      const { setOutputs } = await import('../src/report.js');
      setOutputs(planned);
    } finally {
      Reflect.deleteProperty(process.env, 'GITHUB_OUTPUT');
    }
    const html = fs.readFileSync(file, 'utf8');
    expect(html).toContain('pull-credentials plan (present)');
    expect(html).toContain('nothing was written anywhere');
    expect(html).toContain('Plan: 2 changes');
    expect(html).toContain(
      '<code>+ /secrets: {&#34;a&#34;:&#34;&#60;b&#62;&#34;}</code><br>definition differs',
    );
    expect(html.match(/<td>/g)?.length).toBe(html.match(/<\/td>/g)?.length);
    expect(fs.readFileSync(outputFile, 'utf8')).toMatch(/^changes<<.*\n2\n/m);
  });

  it('an audit is a table of statuses; failures are errors only with verify: fail, one per finding', async () => {
    const audited = (auditFails: boolean): RunReport => ({
      mode: 'audit',
      state: 'present',
      registries: [],
      auditFails,
      audit: [],
      outcomes: new Map([
        [
          'kubernetes',
          {
            results: [
              result('kubernetes', 'prod/apps', 'broken', 'app unauthorized'),
              result('kubernetes', 'prod/web', 'broken', 'app unauthorized'),
              result('kubernetes', 'prod/batch', 'stale', 'differs'),
              result('kubernetes', 'prod/jobs', 'ok', 'fine'),
            ],
          },
        ],
        ['rapyuta', { results: [result('rapyuta', 'team-pull', 'unknown', 'never returns the password')] }],
      ]),
    });
    const failing = captured(() => {
      annotate(audited(true));
    });
    expect(failing.filter((l) => l.startsWith('::error'))).toEqual([
      expect.stringContaining('title=kubernetes prod/apps, kubernetes prod/web: broken::app unauthorized'),
    ]);
    expect(failing.filter((l) => l.startsWith('::warning'))).toEqual([
      expect.stringContaining('title=kubernetes prod/batch: stale::differs'),
    ]);
    const warning = captured(() => {
      annotate(audited(false));
    });
    expect(warning.filter((l) => l.startsWith('::error'))).toEqual([]);
    expect(warning.filter((l) => l.startsWith('::warning'))).toHaveLength(2);

    const file = summaryFile();
    await writeSummary(audited(true));
    const html = fs.readFileSync(file, 'utf8');
    expect(html).toContain('pull-credentials audit (present)');
    expect(html).toContain('<td>❔ unknown</td><td>never returns the password</td>');
  });
});
