/**
 * Renders results as outputs and annotations through the host, and as the job summary or plain text. No module hands this one a
 * credential, but messages quote servers, so every text is redacted (src/secrets.ts) on the way out.
 */
import * as core from '@actions/core';
type SummaryTableRow = Parameters<typeof core.summary.addTable>[0][number];
import { earliestExpiry, type CredentialLifetime } from './identity/lifetime.js';
import type { Verdict } from './registry/types.js';
import { host } from './host/index.js';
import { redact } from './secrets.js';
import type { TargetOutcome, TargetResult } from './targets/types.js';

export interface RunReport {
  state: 'present' | 'absent';
  registries: string[];
  configPath?: string;
  configDir?: string;
  archive?: { path: string; sha256: string };
  verification?: { mode: 'fail' | 'warn' | 'off'; verdicts: Verdict[] };
  outcomes: Map<string, TargetOutcome>;
  /** Each registry's credential kind and expiry (present runs). */
  lifetimes?: CredentialLifetime[];
  /** Set when verification stopped the run before any target was written. */
  blockedByVerification?: boolean;
}

const ICON: Record<string, string> = {
  ok: '✅',
  created: '✅',
  updated: '✅',
  written: '✅',
  unchanged: '✅',
  deleted: '🗑️',
  absent: '➖',
  skipped: '➖',
  failed: '❌',
};

export const isFailure = (r: TargetResult): boolean => r.action === 'failed';

/**
 * Summary tables are HTML: escape everything that goes into a cell, redacted first (an escaped
 * secret would no longer match its registered form).
 */
export function escapeHtml(text: string): string {
  return redact(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const code = (text: string): string => `<code>${escapeHtml(text)}</code>`;

function shortDigest(digest?: string): string {
  return digest ? code(digest.replace(/^sha256:/, '').slice(0, 12)) : '';
}

export function setOutputs(report: RunReport): void {
  if (report.lifetimes) host().setOutput('expires-at', earliestExpiry(report.lifetimes)?.toISOString() ?? '');
  if (report.configPath) host().setOutput('docker-config', report.configPath);
  if (report.configDir) host().setOutput('docker-config-dir', report.configDir);
  if (report.archive) {
    host().setOutput('tarball', report.archive.path);
    host().setOutput('tarball-sha256', report.archive.sha256);
  }
  if (report.verification) {
    const { verdicts, mode } = report.verification;
    host().setOutput('verification', verdicts);
    if (mode !== 'off') host().setOutput('verified', String(verdicts.every((v) => v.status === 'ok')));
  }
  for (const outcome of report.outcomes.values()) {
    for (const [name, value] of Object.entries(outcome.outputs ?? {})) host().setOutput(name, value);
  }
}

/** One error (or warning) annotation per failure, each saying what to do. */
export function annotate(report: RunReport): void {
  const verification = report.verification;
  if (verification && verification.mode !== 'off') {
    for (const v of verification.verdicts.filter((x) => x.status !== 'ok')) {
      const emit = verification.mode === 'fail' ? 'error' : 'warning';
      host()[emit](v.message, { title: `${v.image}: ${v.status}` });
    }
  }
  // One annotation per distinct failure: a broken cluster context fails every namespace with the same
  // message, and GitHub shows only the first 10 error annotations of a step.
  const byProblem = new Map<string, TargetResult[]>();
  for (const r of [...report.outcomes.values()].flatMap((o) => o.results.filter(isFailure))) {
    const key = `${r.target}\u0000${r.message}`;
    byProblem.set(key, [...(byProblem.get(key) ?? []), r]);
  }
  for (const group of byProblem.values()) {
    const first = group[0]!;
    host().error(first.message, {
      title: `${first.target} ${group.map((r) => r.subject).join(', ')}: failed`,
    });
  }
}

/**
 * A summary table. core.summary renders an empty cell as an unclosed `<td>`, which breaks the
 * row, so empty cells get a dash.
 */
function table(headers: string[], rows: string[][]): SummaryTableRow[] {
  return [
    headers.map((data) => ({ data, header: true })),
    ...rows.map((row) => row.map((cell) => (cell === '' ? '—' : cell))),
  ];
}

export async function writeSummary(report: RunReport): Promise<void> {
  const s = core.summary.addHeading(`pull-credentials (${report.state})`, 2);
  if (report.registries.length > 0) {
    s.addRaw(`<p>Registries: ${report.registries.map(code).join(', ')}</p>`, true);
  }
  if (report.lifetimes && report.lifetimes.length > 0) {
    s.addTable(
      table(
        ['Registry', 'Credential', 'Expires'],
        report.lifetimes.map((l) => [
          code(l.registry),
          escapeHtml(`${l.kind}${l.minted ? ' (minted)' : ''}`),
          l.expiresAt ? l.expiresAt.toISOString() : l.jobScoped ? 'when the job ends' : 'does not expire',
        ]),
      ),
    );
  }
  const files: string[][] = [];
  if (report.configPath) files.push(['docker config', code(report.configPath)]);
  if (report.archive) {
    files.push(['docker.tar.gz', code(report.archive.path)]);
    files.push(['sha256', code(report.archive.sha256)]);
  }
  if (files.length > 0) {
    s.addTable(table(['File', 'Value'], files));
  }
  const verification = report.verification;
  if (verification && verification.mode !== 'off' && verification.verdicts.length > 0) {
    s.addHeading('Pull verification', 3);
    s.addTable(
      table(
        ['Image', 'Result', 'Digest', 'Platforms', 'Auth', 'Time'],
        verification.verdicts.map((v) => [
          code(v.image),
          `${ICON[v.status] ?? '❌'} ${v.status}${v.status === 'ok' ? '' : `: ${escapeHtml(v.message)}`}`,
          shortDigest(v.digest),
          escapeHtml((v.platforms ?? []).join(', ')),
          v.authScheme,
          `${v.ms} ms`,
        ]),
      ),
    );
    if (report.blockedByVerification) {
      s.addRaw('<p>Verification failed with <code>verify: fail</code>: nothing was shipped.</p>', true);
    }
  }
  const results = [...report.outcomes.values()].flatMap((o) => o.results);
  if (results.length > 0) {
    s.addHeading('Targets', 3);
    s.addTable(
      table(
        ['Target', 'Where', 'Result', 'Details'],
        results.map((r) => [
          r.target,
          code(r.subject),
          `${ICON[r.action] ?? ''} ${r.action}`,
          escapeHtml(r.message),
        ]),
      ),
    );
  }
  await s.write();
}

/** The report as plain text, for a terminal or a CI log: what the job summary shows, without HTML. */
export function renderText(report: RunReport): string {
  const lines = [`pull-credentials (${report.state})`];
  if (report.registries.length > 0) lines.push(`Registries: ${report.registries.join(', ')}`);
  if (report.configPath) lines.push(`docker config: ${report.configPath}`);
  if (report.archive) lines.push(`docker.tar.gz: ${report.archive.path} (sha256 ${report.archive.sha256})`);
  const verification = report.verification;
  if (verification && verification.mode !== 'off' && verification.verdicts.length > 0) {
    lines.push('Pull verification:');
    for (const v of verification.verdicts) {
      const details = [
        v.digest ? v.digest.replace(/^sha256:/, '').slice(0, 12) : '',
        (v.platforms ?? []).join(', '),
        v.authScheme,
        `${v.ms} ms`,
      ].filter((d) => d !== '');
      const result = v.status === 'ok' ? 'ok' : `${v.status}: ${v.message}`;
      lines.push(`  ${v.image}: ${result} (${details.join('; ')})`);
    }
    if (report.blockedByVerification)
      lines.push('Verification failed with verify: fail: nothing was shipped.');
  }
  const results = [...report.outcomes.values()].flatMap((o) => o.results);
  if (results.length > 0) {
    lines.push('Targets:');
    for (const r of results) {
      lines.push(`  ${r.target} ${r.subject}: ${r.action}${r.message ? ` (${r.message})` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
