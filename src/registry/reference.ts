/**
 * Image references by distribution/reference's grammar (reference.go, normalize.go): domain
 * detection, Docker Hub's `library/` prefix, lowercase repositories, tag and digest syntax.
 */
import { isIPv6 } from 'node:net';
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
  /** Canonical form as docker prints it: domain/repository:tag, or domain/repository@digest (a tag beside a digest is dropped). */
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
/** The algorithms docker and containerd link, with the length of their hex encoding. */
const DIGEST_HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha512: 128 };
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

/**
 * What docker's grammar lets through but no URL can hold: a port above 65535, or brackets around
 * something that is not an IPv6 address. Docker parses such a reference and fails at pull time;
 * the action refuses it as input (unreachableRegistry), so the parser itself stays docker's.
 */
export function unreachableRegistry(
  ref: Pick<ImageReference, 'domain' | 'input'>,
): ReferenceError | undefined {
  const problem = domainProblem(ref.domain);
  return problem ? new ReferenceError(`'${ref.input}': registry '${ref.domain}' ${problem}`) : undefined;
}

function domainProblem(domain: string): string | undefined {
  const port = /:([0-9]+)$/.exec(domain)?.[1];
  if (port !== undefined && Number(port) > 65535) return `has port ${port}, above 65535`;
  const bracketed = /^\[(.*)\]/.exec(domain)?.[1];
  if (bracketed !== undefined && !isIPv6(bracketed)) return `'[${bracketed}]' is not an IPv6 address`;
  return undefined;
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
    const [algorithm, hex] = digest.split(':') as [string, string];
    const length = DIGEST_HEX_LENGTH[algorithm];
    if (length === undefined) {
      throw new ReferenceError(
        `'${text}': digest algorithm '${algorithm}' is not supported: use sha256 or sha512`,
      );
    }
    if (!new RegExp(`^[a-f0-9]{${length}}$`).test(hex)) {
      throw new ReferenceError(`'${text}': a ${algorithm} digest is ${length} lowercase hex characters`);
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
  // Since distribution/reference v0.6.0 the limit applies to the repository path, not the domain.
  if (repository.length > NAME_TOTAL_LENGTH_MAX) {
    throw new ReferenceError(`'${text}': repository name must not be longer than 255 characters`);
  }
  if (tag === undefined && digest === undefined) tag = 'latest';
  const canonical = `${domain}/${repository}${digest ? `@${digest}` : `:${tag!}`}`;
  return { input: text, domain, repository, tag, digest, reference: digest ?? tag!, canonical };
}
