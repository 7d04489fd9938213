/**
 * Everything the runner shows or keeps goes through here: log lines, annotations, outputs, saved
 * state and the failure message, each redacted (src/secrets.ts) on the way out.
 */
import * as core from '@actions/core';
import { redact, redactedJson } from './secrets.js';

type Properties = core.AnnotationProperties;

function safeProperties(properties?: Properties): Properties | undefined {
  if (!properties) return undefined;
  return properties.title === undefined ? properties : { ...properties, title: redact(properties.title) };
}

const text = (message: string | Error): string =>
  redact(message instanceof Error ? message.message : message);

export function info(message: string): void {
  core.info(redact(message));
}

export function debug(message: string): void {
  core.debug(redact(message));
}

export function warning(message: string | Error, properties?: Properties): void {
  core.warning(text(message), safeProperties(properties));
}

export function notice(message: string, properties?: Properties): void {
  core.notice(text(message), safeProperties(properties));
}

export function error(message: string | Error, properties?: Properties): void {
  core.error(text(message), safeProperties(properties));
}

export function setFailed(message: string): void {
  core.setFailed(redact(message));
}

/** A string output as is; anything else as JSON, every string in it redacted. */
export function setOutput(name: string, value: unknown): void {
  core.setOutput(name, typeof value === 'string' ? redact(value) : redactedJson(value));
}

export function saveState(name: string, value: string): void {
  core.saveState(name, redact(value));
}
