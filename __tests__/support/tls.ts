/** Self-signed server certificates for the fakes (openssl), one per subject per test process. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface ServerCert {
  cert: string;
  key: string;
}

const made = new Map<string, ServerCert>();

/** A self-signed EC certificate for 127.0.0.1 and localhost; the cert is its own CA. */
export function selfSignedCert(commonName = '127.0.0.1'): ServerCert {
  const existing = made.get(commonName);
  if (existing) return existing;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-tls-'));
  try {
    const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
       '-subj', `/CN=${commonName}`, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
       '-keyout', key, '-out', cert], // prettier-ignore
      { stdio: 'ignore' },
    );
    const material = { cert: fs.readFileSync(cert, 'utf8'), key: fs.readFileSync(key, 'utf8') };
    made.set(commonName, material);
    return material;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
