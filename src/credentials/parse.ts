/**
 * Reads a deployed docker config back: config.json (`auths`), the legacy flat `.dockercfg`, and the
 * JSON of a Kubernetes pull secret (kubectl's entries with username, password and auth). Pure, except
 * maskDeployed, which registers every secret form it finds (src/secrets.ts).
 */
import { AddressError, parseRegistry } from './address.js';
import { registerCredential, registerDocument, registerSecret } from '../secrets.js';
import type { ConfigFormat, Credential } from './documents.js';

/** One `auths` entry as found, before its key is checked. */
export interface DeployedEntry {
  key: string;
  username: string;
  password: string;
  email?: string;
  /** The `auth` field as stored (base64 of user:pass). */
  auth?: string;
  /** An OAuth refresh token (`identitytoken`), which only a token server can use. */
  identityToken?: string;
}

export interface DeployedDocument {
  format: ConfigFormat;
  entries: DeployedEntry[];
  /** Set when the document sends lookups to a helper (credsStore / credHelpers): inline entries may be ignored. */
  helpers: string[];
}

/** The text is not a docker config document; the message never quotes it. */
export class DocumentError extends Error {}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * One entry as docker/cli and kubelet read it: a non-empty `auth` (base64 of `user:pass`, split at
 * the first colon) wins over the username and password fields.
 */
function entry(key: string, value: unknown): DeployedEntry {
  if (!isObject(value)) throw new DocumentError(`the entry for ${key} is not an object`);
  let username = str(value['username']);
  let password = str(value['password']);
  const auth = str(value['auth']).trim();
  if (auth !== '') {
    const decoded = Buffer.from(auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw new DocumentError(`the auth of ${key} is not base64 of user:password`);
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  }
  const email = str(value['email']);
  const identityToken = str(value['identitytoken']);
  return {
    key,
    username,
    password,
    ...(email ? { email } : {}),
    ...(auth ? { auth } : {}),
    ...(identityToken ? { identityToken } : {}),
  };
}

/** Parses config.json or .dockercfg text (a leading byte-order mark is allowed). */
export function parseDockerConfig(text: string): DeployedDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    throw new DocumentError('is not JSON');
  }
  if (!isObject(doc)) throw new DocumentError('is not a JSON object');
  const helpers: string[] = [];
  if (str(doc['credsStore']) !== '') helpers.push(`credsStore ${str(doc['credsStore'])}`);
  if (isObject(doc['credHelpers']) && Object.keys(doc['credHelpers']).length > 0) {
    helpers.push(`credHelpers for ${Object.keys(doc['credHelpers']).join(', ')}`);
  }
  if ('auths' in doc) {
    const auths = doc['auths'];
    if (!isObject(auths)) throw new DocumentError("has an 'auths' that is not an object");
    return {
      format: 'config.json',
      entries: Object.entries(auths).map(([key, value]) => entry(key, value)),
      helpers,
    };
  }
  if (helpers.length > 0) return { format: 'config.json', entries: [], helpers };
  // The legacy flat map: every value an entry.
  const entries = Object.entries(doc).map(([key, value]) => entry(key, value));
  if (entries.length === 0) throw new DocumentError('holds no registry entries');
  return { format: 'dockercfg', entries, helpers };
}

/**
 * The entries as credentials the verifier can use, keyed the way docker/cli looks them up; entries it
 * cannot use (no username or password, an identity token, an unparseable key) are described instead.
 */
export function deployedCredentials(doc: DeployedDocument): {
  credentials: Credential[];
  problems: string[];
} {
  const credentials: Credential[] = [];
  const problems: string[] = [];
  for (const e of doc.entries) {
    let address;
    try {
      address = parseRegistry(e.key);
    } catch (error) {
      if (!(error instanceof AddressError)) throw error;
      problems.push(`entry '${e.key}' is not a registry address (${error.message})`);
      continue;
    }
    if (e.username === '' || e.password === '') {
      problems.push(
        e.identityToken
          ? `${address.key} holds an identity token, which this check cannot use`
          : `${address.key} has no username and password`,
      );
      continue;
    }
    credentials.push({
      address,
      username: e.username,
      password: e.password,
      ...(e.email ? { email: e.email } : {}),
    });
  }
  return { credentials, problems };
}

/**
 * Registers every secret form in a deployed document the moment it is read: the whole text and its
 * base64 (what Kubernetes stores), and per entry the password, `user:pass`, the base64 `auth` as
 * stored and as we would compute it, and any identity token. Unparseable text is registered whole
 * and line by line.
 */
export function maskDeployed(text: string): void {
  if (text.trim() === '') return;
  registerDocument(text);
  let doc: DeployedDocument;
  try {
    doc = parseDockerConfig(text);
  } catch {
    registerSecret(text);
    return;
  }
  for (const e of doc.entries) {
    if (e.auth) registerSecret(e.auth);
    if (e.identityToken) registerSecret(e.identityToken);
    registerCredential(e.username, e.password);
  }
}

/** Registry keys of a document's entries, canonical where they parse (for change lists). */
export function entryKeys(doc: DeployedDocument): string[] {
  return doc.entries.map((e) => {
    try {
      return parseRegistry(e.key).key;
    } catch {
      return e.key;
    }
  });
}
