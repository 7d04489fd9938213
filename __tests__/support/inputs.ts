/** INPUT_* environment fixtures, removed again after each test. */
import { afterEach } from 'vitest';
import { getInputs, type Inputs } from '../../src/context.js';

const set = new Set<string>();

export function setInputs(inputs: Record<string, string>): void {
  for (const [name, value] of Object.entries(inputs)) {
    const key = `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
    process.env[key] = value;
    set.add(key);
  }
}

export function clearInputs(): void {
  for (const key of set) Reflect.deleteProperty(process.env, key);
  set.clear();
}

/** Inputs as getInputs() reads them from the given INPUT_* values. */
export function inputsOf(inputs: Record<string, string>): Inputs {
  setInputs(inputs);
  return getInputs();
}

/** Every input at its action.yml default (read the way the action reads it), with overrides. */
export function defaultInputs(overrides: Partial<Inputs> = {}): Inputs {
  clearInputs();
  return { ...getInputs(), ...overrides };
}

afterEach(clearInputs);
