/**
 * The command line as host: logs, warnings and the plain-text report on stderr (every registered
 * secret replaced by ***), outputs collected for stdout, the documents in --output-dir, which stay.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AnnotationProperties } from '@actions/core';
import type { Host } from '../host/index.js';
import { renderText } from '../report.js';

/** Secrets shorter than this are redacted only where they stand alone. */
const SHORT = 4;

export interface CliHost extends Host {
  /** Each output as the action sets it: a string, JSON-encoded when it is not one. */
  readonly outputs: Record<string, string>;
  /** Each output as a JSON value: strings as strings, the JSON-encoded ones as what they encode. */
  readonly values: Record<string, unknown>;
  /** Text with every registered secret replaced by ***. */
  redact(text: string): string;
  /**
   * The outputs for stdout, redacted: `name=value` lines as the action sets them, or (json) one
   * JSON object of the values, every string in them redacted.
   */
  renderOutputs(json: boolean): string;
}

export function createCliHost(options: {
  write: (text: string) => void;
  outputDir?: string;
  debug?: boolean;
}): CliHost {
  const secrets = new Set<string>();
  const outputs: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const redact = (text: string): string => {
    let result = text;
    // Longest first, so that a secret containing another is replaced whole.
    for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
      if (secret.length >= SHORT) {
        result = result.replaceAll(secret, '***');
      } else {
        // A secret of a few characters ('y') hides only as a token of its own, not inside words.
        const escaped = secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        result = result.replace(new RegExp(`(?<![A-Za-z0-9])${escaped}(?![A-Za-z0-9])`, 'g'), '***');
      }
    }
    return result;
  };
  const line = (text: string): void => {
    options.write(`${redact(text)}\n`);
  };
  const annotation = (kind: string, message: string | Error, properties?: AnnotationProperties): void => {
    const text = message instanceof Error ? message.message : message;
    line(`${kind}: ${properties?.title ? `${properties.title}: ` : ''}${text}`);
  };
  return {
    outputs,
    values,
    redact,
    renderOutputs(json) {
      if (json)
        return `${JSON.stringify(values, (_key, v: unknown) => (typeof v === 'string' ? redact(v) : v))}\n`;
      return Object.entries(outputs)
        .map(([name, value]) => `${name}=${redact(value)}\n`)
        .join('');
    },
    info: line,
    warning: (message, properties) => {
      annotation('warning', message, properties);
    },
    notice: (message, properties) => {
      annotation('notice', message, properties);
    },
    error: (message, properties) => {
      annotation('error', message, properties);
    },
    debug(message) {
      if (options.debug) line(`debug: ${message}`);
    },
    async group(title, fn) {
      line(`== ${title}`);
      return fn();
    },
    startGroup(title) {
      line(`== ${title}`);
    },
    endGroup() {
      // Nothing marks the end of a group in plain text.
    },
    setSecret(secret) {
      if (secret.trim() === '') return;
      secrets.add(secret);
      // And each line of a multi-line secret, as a log may show it a line at a time (braces and
      // other lines too short to be secret excepted, as in maskDocument).
      if (!secret.includes('\n')) return;
      for (const part of secret.split(/\r?\n/)) {
        if (part.trim().length >= 8) secrets.add(part.trim());
      }
    },
    setOutput(name, value) {
      const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
      outputs[name] = text;
      // Through JSON and back, so --json holds exactly what the action's output decodes to.
      values[name] = typeof value === 'string' || text === '' ? text : (JSON.parse(text) as unknown);
    },
    exportVariable(name, value) {
      // A command cannot change the environment of the shell that started it: say what to set.
      line(`${name} cannot be exported for later commands from here; run: export ${name}=${value}`);
    },
    async createRunDir() {
      let dir: string;
      if (options.outputDir === undefined) {
        dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pull-credentials-'));
      } else {
        dir = path.resolve(options.outputDir);
        // A directory made here is private; one that exists keeps its mode (it may be the user's own).
        await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      }
      line(`Files go to ${dir} (they stay there)`);
      return dir;
    },
    summary(report) {
      options.write(redact(renderText(report)));
      return Promise.resolve();
    },
  };
}
