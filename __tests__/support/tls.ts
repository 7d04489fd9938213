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

/**
 * A server certificate signed by a test CA (`createTestCA` in registry.ts keeps its key as ca.key in
 * `caDir`): `san` as openssl writes it (e.g. 'IP:127.0.0.2', 'DNS:elsewhere.example'), valid from
 * now for `days` (-1: already expired), or, with `startsInDays`, only from that many days ahead
 * (`openssl ca` sets a future notBefore, which `x509 -req` in OpenSSL 3.0 cannot).
 */
export function issueCert(caDir: string, san: string, days = 2, startsInDays?: number): ServerCert {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-tls-'));
  try {
    const p = (name: string) => path.join(dir, name);
    execFileSync(
      'openssl',
      ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
       '-subj', '/CN=test server', '-keyout', p('key.pem'), '-out', p('csr.pem')], // prettier-ignore
      { stdio: 'ignore' },
    );
    fs.writeFileSync(
      p('ext'),
      `subjectAltName=${san}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`,
    );
    const ca = ['-cert', path.join(caDir, 'ca.crt'), '-keyfile', path.join(caDir, 'ca.key')];
    if (startsInDays === undefined) {
      execFileSync(
        'openssl',
        ['x509', '-req', '-in', p('csr.pem'), '-CA', path.join(caDir, 'ca.crt'), '-CAkey', path.join(caDir, 'ca.key'),
         '-CAcreateserial', '-CAserial', p('serial'), '-days', String(days), '-extfile', p('ext'), '-out', p('cert.pem')], // prettier-ignore
        { stdio: 'ignore' },
      );
    } else {
      // openssl ca keeps a database and a serial file; the dates are GeneralizedTime.
      fs.writeFileSync(p('index.txt'), '');
      fs.writeFileSync(p('serial'), '01\n');
      fs.writeFileSync(
        p('ca.cnf'),
        `[ca]\ndefault_ca = test\n[test]\ndatabase = ${p('index.txt')}\nnew_certs_dir = ${dir}\n` +
          `serial = ${p('serial')}\ndefault_md = sha256\npolicy = any\n[any]\ncommonName = supplied\n`,
      );
      const at = (offsetDays: number) =>
        new Date(Date.now() + offsetDays * 86_400_000).toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
      execFileSync(
        'openssl',
        ['ca', '-batch', '-config', p('ca.cnf'), ...ca, '-in', p('csr.pem'), '-out', p('cert.pem'), '-notext',
         '-startdate', at(startsInDays), '-enddate', at(startsInDays + days), '-extfile', p('ext')], // prettier-ignore
        { stdio: 'ignore' },
      );
    }
    return { cert: fs.readFileSync(p('cert.pem'), 'utf8'), key: fs.readFileSync(p('key.pem'), 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
