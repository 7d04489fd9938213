/**
 * How an input is declared. Each target (and destination kind) declares its own inputs in its own
 * folder; src/inputs/index.ts lists the declarations once, reads them generically and types
 * `Inputs` from them. A test keeps action.yml (names and defaults) equal to the declarations.
 */
export interface InputSpec {
  /** The action.yml name, also the command line's `--name` and `PULL_CREDENTIALS_NAME`. */
  readonly name: string;
  /**
   * text (trimmed, unless it is a secret), list (one entry per line, blank lines and `#` comments
   * dropped) or document (multi-line text such as YAML or PEM, trimmed). Default text.
   */
  readonly kind?: 'text' | 'list' | 'document';
  /** The value an empty input takes, exactly as action.yml declares it. */
  readonly default?: string;
  /**
   * value: the whole value is a secret, masked when read. document: a multi-line secret (a key, a
   * kubeconfig), masked whole and line by line unless it names a file. embedded: the text holds
   * secrets (passwords in YAML, header values) that whoever parses it masks. Any kind of secret is
   * refused as a command-line flag, where other users of the machine could read it.
   */
  readonly secret?: 'value' | 'document' | 'embedded';
  /**
   * The input that turns this input's target on, or the kind of upload-to destination it configures
   * (`s3://`): set without it, this input is an error.
   */
  readonly needs?: string;
}

/** Keeps the literal names and kinds of a declaration list, for `InputsOf`. */
export function defineInputs<const S extends readonly InputSpec[]>(specs: S): S {
  return specs;
}

type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

/** The values of declared inputs, by camel-cased name: lists as string[], everything else as text. */
export type InputsOf<S extends readonly InputSpec[]> = {
  [I in S[number] as CamelCase<I['name']>]: I['kind'] extends 'list' ? string[] : string;
};

export function camelCase(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
