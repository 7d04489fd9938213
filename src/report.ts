/**
 * Renders results as outputs and annotations through the host, and as the job summary or plain text. No module hands this one a
 * credential, but messages quote servers, so every text is redacted (src/secrets.ts) on the way out.
 */
import * as core from '@actions/core';
type SummaryTableRow = Parameters<typeof core.summary.addTable>[0][number];
import type { AuditEntry } from './modes/audit.js';
import { isChange } from './modes/classify.js';
import type { Mode } from './plan.js';
import { earliestExpiry, type CredentialLifetime } from './identity/lifetime.js';
import type { Verdict } from './registry/types.js';
import { host } from './host/index.js';
import { redact } from './secrets.js';
import type { TargetOutcome, TargetResult } from './targets/types.js';

export interface RunReport {
  /** Absent is apply. */
  mode?: Mode;
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
  /** mode audit: every place's finding, and whether broken or missing places fail the step. */
  audit?: AuditEntry[];
  auditFails?: boolean;
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
  'would-create': '➕',
  'would-update': '✏️',
  'would-delete': '🗑️',
  stale: '⚠️',
  broken: '❌',
  expiring: '⏳',
  missing: '❌',
  foreign: '⚠️',
  unknown: '❔',
};

/** Audit findings that need someone's attention; broken and missing fail the step with verify: fail. */
const AUDIT_PROBLEMS = new Set(['broken', 'missing', 'failed', 'stale', 'expiring', 'foreign']);
const AUDIT_FAILURES = new Set(['broken', 'missing', 'failed']);

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
    if (mode !== 'off')
      host().setOutput(
        'verified',
        verdicts.every((v) => v.status === 'ok'),
      );
  }
  for (const outcome of report.outcomes.values()) {
    for (const [name, value] of Object.entries(outcome.outputs ?? {})) host().setOutput(name, value);
  }
  if (report.audit) {
    host().setOutput('audit', report.audit);
  } else {
    const results = [...report.outcomes.values()].flatMap((o) => o.results);
    host().setOutput('changes', results.filter((r) => isChange(r.action)).length);
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
  if (report.mode === 'audit') {
    annotateAudit(report);
    return;
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

/** Audit findings, grouped like failures: one rotated password breaks every place with one message. */
function annotateAudit(report: RunReport): void {
  const byFinding = new Map<string, TargetResult[]>();
  for (const r of [...report.outcomes.values()].flatMap((o) => o.results)) {
    if (!AUDIT_PROBLEMS.has(r.action)) continue;
    const key = `${r.action}\u0000${r.message}`;
    byFinding.set(key, [...(byFinding.get(key) ?? []), r]);
  }
  for (const group of byFinding.values()) {
    const first = group[0]!;
    const emit = report.auditFails && AUDIT_FAILURES.has(first.action) ? 'error' : 'warning';
    const where = group.map((r) => `${r.target} ${r.subject}`).join(', ');
    host()[emit](first.message, { title: `${where}: ${first.action}` });
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
  const mode = report.mode ?? 'apply';
  const s = core.summary.addHeading(
    mode === 'apply' ? `pull-credentials (${report.state})` : `pull-credentials ${mode} (${report.state})`,
    2,
  );
  if (mode === 'plan') s.addRaw('<p>Plan only: nothing was written anywhere.</p>', true);
  if (mode === 'audit') {
    s.addRaw(
      '<p>Audit: each place checked with the credentials stored there; nothing was written.</p>',
      true,
    );
  }
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
    // One table for every mode: what apply did, what a plan would do, or what an audit found.
    const changes = results.filter((r) => isChange(r.action)).length;
    const [heading, column, details] =
      mode === 'plan'
        ? [`Plan: ${changes} change${changes === 1 ? '' : 's'}`, 'Plan', 'What would change']
        : mode === 'audit'
          ? ['Audit', 'Status', 'Details']
          : ['Targets', 'Result', 'Details'];
    s.addHeading(heading, 3);
    s.addTable(
      table(
        ['Target', 'Where', column, details],
        results.map((r) => [
          r.target,
          code(r.subject),
          `${ICON[r.action] ?? ''} ${r.action}`,
          mode === 'plan'
            ? [...(r.changes ?? []).map((c) => code(c)), ...(r.message ? [escapeHtml(r.message)] : [])].join(
                '<br>',
              )
            : escapeHtml(r.message),
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
