/**
 * Image references by distribution/reference's grammar (reference.go, normalize.go): domain
 * detection, Docker Hub's `library/` prefix, lowercase repositories, tag and digest syntax.
 */
import { DOCKER_HUB_DOMAIN } from '../credentials/address.js';

export interface ImageReference {
  /** As the user wrote it. */
  input: string;
  /** `docker.io` for Hub, else host[:port]. */
  domain: string;
  /** Repository path, e.g. `library/nginx`. */
  repository: string;
  tag?: string;
  digest?: string;
  /** What the manifest is requested by: the digest when present, else the tag. */
  reference: string;
  /** Canonical form: domain/repository[:tag][@digest]. */
  canonical: string;
}

export class ReferenceError extends Error {}

const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const PATH = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`,
);
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const ANCHORED_ID = /^[a-f0-9]{64}$/;
const NAME_TOTAL_LENGTH_MAX = 255;

/** Splits off the domain as ParseNormalizedNamed's splitDockerDomain does. */
function splitDomain(name: string): [domain: string, remainder: string] {
  const slash = name.indexOf('/');
  let domain: string;
  let remainder: string;
  if (slash === -1) {
    [domain, remainder] = [DOCKER_HUB_DOMAIN, name];
  } else {
    const first = name.slice(0, slash);
    const isDomain =
      first.includes('.') || first.includes(':') || first === 'localhost' || first.toLowerCase() !== first;
    [domain, remainder] = isDomain ? [first, name.slice(slash + 1)] : [DOCKER_HUB_DOMAIN, name];
  }
  if (domain === 'index.docker.io') domain = DOCKER_HUB_DOMAIN;
  if (domain === DOCKER_HUB_DOMAIN && !remainder.includes('/')) remainder = `library/${remainder}`;
  return [domain, remainder];
}

export function parseImageReference(input: string): ImageReference {
  const text = input.trim();
  if (text === '') throw new ReferenceError('is empty');
  if (ANCHORED_ID.test(text)) {
    throw new ReferenceError(`'${text}' is an image ID, not a reference: give repository[:tag]`);
  }
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new ReferenceError(`'${text}' has an invalid digest '${digest}'`);
    if (digest.startsWith('sha256:') && !/^sha256:[a-f0-9]{64}$/.test(digest)) {
      throw new ReferenceError(`'${text}': a sha256 digest is 64 lowercase hex characters`);
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new ReferenceError(`'${text}' has an invalid tag '${tag}'`);
  }
  if (rest === '') throw new ReferenceError(`'${text}' has no repository name`);

  const [domain, repository] = splitDomain(rest);
  if (!DOMAIN.test(domain)) throw new ReferenceError(`'${text}' has an invalid registry '${domain}'`);
  if (repository.toLowerCase() !== repository) {
    throw new ReferenceError(`'${text}': repository name must be lowercase`);
  }
  if (!PATH.test(repository)) throw new ReferenceError(`'${text}' has an invalid repository '${repository}'`);
  if (`${domain}/${repository}`.length > NAME_TOTAL_LENGTH_MAX) {
    throw new ReferenceError(`'${text}': repository name must not be longer than 255 characters`);
  }
  if (tag === undefined && digest === undefined) tag = 'latest';
  const canonical = `${domain}/${repository}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
  return { input: text, domain, repository, tag, digest, reference: digest ?? tag!, canonical };
}
