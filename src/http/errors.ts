/**
 * What went wrong below HTTP, in words a user can act on: one classification of a thrown transport
 * error (undici wraps the socket or TLS error in `cause`) shared by every client.
 */

export type TransportFailureKind =
  /** The chain ends at a CA we do not trust. */
  | 'untrusted'
  /** The certificate is valid but for other names. */
  | 'hostname'
  | 'expired'
  | 'not-yet-valid'
  /** Another certificate fault (revoked, bad signature…). */
  | 'certificate'
  /** The server speaks plain HTTP (or something else) on an https:// URL. */
  | 'plain-http'
  | 'timeout'
  /** The connection dropped mid-exchange. */
  | 'reset'
  /** Nothing answered: refused, no such host, no route. */
  | 'unreachable'
  /** Our caller's signal ended the request (a deadline), not the server. */
  | 'aborted'
  | 'other';

/** The facts of one failure: its kind, the code that said so, and the server certificate if known. */
export interface TransportFailure {
  kind: TransportFailureKind;
  code: string;
  /** Names the certificate is for (subjectAltName), when the error carried it. */
  altNames?: string[];
  validFrom?: string;
  validTo?: string;
}

/** Error codes on an error and its causes (undici wraps the socket error), and abort/timeout names. */
export function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const { code, name } = e as { code?: unknown; name?: unknown };
    if (typeof code === 'string') codes.push(code);
    if (name === 'AbortError' || name === 'TimeoutError') codes.push(name);
    e = (e as { cause?: unknown }).cause;
  }
  return codes;
}

interface PeerCertificate {
  subjectaltname?: string;
  valid_from?: string;
  valid_to?: string;
}

/** The certificate Node attaches to a hostname-mismatch error (tls.checkServerIdentity). */
function certificateOf(error: unknown): PeerCertificate | undefined {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const cert = (e as { cert?: unknown }).cert;
    if (cert && typeof cert === 'object') return cert;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'INVALID_CA',
]);
const HOSTNAME = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH']);
const PLAIN_HTTP = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'EPROTO', 'ERR_SSL_PACKET_LENGTH_TOO_LONG']);
const TIMEOUT = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'TimeoutError',
]);
const RESET = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** The kind of a thrown transport error, from its codes (first match in order of specificity). */
export function classifyTransportError(error: unknown): TransportFailure {
  const codes = errorCodes(error);
  const cert = certificateOf(error);
  const withCert = (failure: TransportFailure): TransportFailure => {
    const altNames = cert?.subjectaltname
      ?.split(/,\s*/)
      .map((n) => n.replace(/^(DNS|IP Address):/, ''))
      .filter((n) => n !== '');
    return {
      ...failure,
      ...(altNames && altNames.length > 0 ? { altNames } : {}),
      ...(cert?.valid_from ? { validFrom: cert.valid_from } : {}),
      ...(cert?.valid_to ? { validTo: cert.valid_to } : {}),
    };
  };
  const find = (set: Set<string>) => codes.find((c) => set.has(c));
  let code: string | undefined;
  if ((code = find(HOSTNAME))) return withCert({ kind: 'hostname', code });
  if ((code = codes.find((c) => c === 'CERT_HAS_EXPIRED'))) return withCert({ kind: 'expired', code });
  if ((code = codes.find((c) => c === 'CERT_NOT_YET_VALID'))) {
    return withCert({ kind: 'not-yet-valid', code });
  }
  if ((code = find(UNTRUSTED))) return withCert({ kind: 'untrusted', code });
  if ((code = codes.find((c) => c.startsWith('CERT_') || c.startsWith('ERR_TLS_CERT')))) {
    return withCert({ kind: 'certificate', code });
  }
  if ((code = find(PLAIN_HTTP))) return { kind: 'plain-http', code };
  if ((code = find(TIMEOUT))) return { kind: 'timeout', code };
  if ((code = find(RESET))) return { kind: 'reset', code };
  if ((code = find(UNREACHABLE))) return { kind: 'unreachable', code };
  if ((code = codes.find((c) => c === 'AbortError' || c === 'UND_ERR_ABORTED'))) {
    return { kind: 'aborted', code };
  }
  return { kind: 'other', code: codes[0] ?? (error instanceof Error ? error.name : 'Error') };
}

export interface DescribeOptions {
  /** host[:port] we tried to reach. */
  host: string;
  /** What the host is, e.g. 'the registry', 'the DC/OS cluster'; default 'the server'. */
  what?: string;
  /** The input that adds a CA for this host ('ca-cert', 'dcos-ca-cert'); none: the runner's trust store. */
  caInput?: string;
  /** Whether that input was given (then its CA did not sign this certificate). */
  caGiven?: boolean;
}

/** The user message for a classified failure: what happened, at which host, and what to do. */
export function describeFailure(failure: TransportFailure, options: DescribeOptions): string {
  const { host, what = 'the server' } = options;
  const hostname = host.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  const subject = `the certificate of ${what} ${host}`;
  const code = failure.code;
  switch (failure.kind) {
    case 'untrusted': {
      if (!options.caInput) {
        return `${subject} is not trusted (${code}): its CA is not in the runner's trust store; add it there (NODE_EXTRA_CA_CERTS)`;
      }
      return options.caGiven
        ? `${subject} is not trusted (${code}): it is not signed by the CA in ${options.caInput} nor by a system CA; give the CA that issued it in ${options.caInput}`
        : `${subject} is not trusted (${code}): give its CA certificate in the ${options.caInput} input`;
    }
    case 'hostname': {
      const names = failure.altNames?.length ? failure.altNames.join(', ') : 'other names';
      return `${subject} is for ${names}, not ${hostname} (${code}): connect by a name the certificate is for, or have it reissued for ${hostname}`;
    }
    case 'expired':
      return `${subject} has expired${failure.validTo ? ` (valid until ${failure.validTo})` : ''} (${code}): the server must renew it`;
    case 'not-yet-valid':
      return `${subject} is not valid yet${failure.validFrom ? ` (valid from ${failure.validFrom})` : ''} (${code}): check the clocks of the server and the runner`;
    case 'certificate':
      return `${subject} was refused (${code})`;
    case 'plain-http':
      return `TLS to ${what} ${host} failed (${code}): if it serves plain HTTP, write the URL as http://${host}`;
    case 'timeout':
      return `${what} ${host} did not answer in time (${code})`;
    case 'reset':
      return `the connection to ${what} ${host} dropped (${code})`;
    case 'unreachable':
      return `could not reach ${what} ${host} (${code}): check the address and the network`;
    case 'aborted':
      return `the request to ${what} ${host} was cancelled (deadline reached)`;
    default:
      return `talking to ${what} ${host} failed (${code})`;
  }
}
