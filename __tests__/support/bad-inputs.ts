/**
 * Bad inputs and the one error each must give, driven through the action (exit 1, one ::error::)
 * and the command line (exit 2, one message) from this one table. A `/…` upload-to is replaced by
 * a path in a fresh directory, to check that nothing is written there; `DIR` in any input stands
 * for that (existing) directory.
 */
export const creds = {
  registry: 'registry.example.com:5000',
  username: 'ci',
  password: 'action-pw-1',
  verify: 'off',
};

export const badInputs: [string, Record<string, string>, RegExp][] = [
  [
    'relative destination',
    { ...creds, 'upload-to': 'relative/docker.tar.gz' },
    /^Input 'upload-to': 'relative\/docker.tar.gz' is not an absolute path/,
  ],
  [
    'unsupported destination',
    { ...creds, 'upload-to': 'ftp://host/x.tgz' },
    /^Input 'upload-to': 'ftp:' destinations are not supported/,
  ],
  ['colon in username', { ...creds, username: 'a:b' }, /^Input 'username': must not contain ':'/],
  ['empty password', { ...creds, password: ' ' }, /^Input 'password': is empty/],
  ['bad registry', { ...creds, registry: 'https://bad host' }, /^Input 'registry': /],
  [
    'duplicate registries',
    { ...creds, registries: '- registry: registry.example.com:5000\n  username: x\n  password: pw-y-1' },
    /given twice/,
  ],
  ['unknown state', { ...creds, state: 'removed' }, /^Input 'state': /],
  ['no credentials', { 'upload-to': '/tmp/never.tgz' }, /^Input 'username': no credentials given/],
  [
    'an input without the one it needs',
    { ...creds, 'kubernetes-secret-name': 'pull' },
    /^Input 'kubernetes-secret-name': needs kubernetes-namespaces, but kubernetes-namespaces is empty/,
  ],
  [
    'an existing directory',
    { ...creds, 'upload-to': 'DIR' },
    /^Input 'upload-to': .* is an existing directory/,
  ],
  [
    "'..' in a file:// URI",
    { ...creds, 'upload-to': 'file://DIR/out/../x.tgz' },
    /^Input 'upload-to': .*'\.\.' segment/,
  ],
  ["'..' in a path", { ...creds, 'upload-to': 'DIR/../x.tgz' }, /^Input 'upload-to': .*'\.\.' segment/],
  [
    'NUL in a file:// URI',
    { ...creds, 'upload-to': 'file://DIR/a%00b.tgz' },
    /^Input 'upload-to': .*control character/,
  ],
  [
    's3-endpoint without s3://',
    { ...creds, 's3-endpoint': 'https://minio.example.com' },
    /^Input 's3-endpoint': needs an s3:\/\/ destination in upload-to, but upload-to has none/,
  ],
  [
    'platforms without images',
    { ...creds, platforms: 'linux/amd64' },
    /^Input 'platforms': is set but images is empty/,
  ],
  [
    'a CA that does not parse',
    { ...creds, 'ca-cert': '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----' },
    /^Input 'ca-cert': certificate 1 of 1 is not a valid PEM certificate/,
  ],
  ['an image on port 65536', { ...creds, images: 'localhost:65536/foo' }, /^Input 'images': .*above 65535/],
  [
    'an image on a bracketed non-IPv6 host',
    { ...creds, images: '[fd00123123123]:5000/foo' },
    /^Input 'images': .*not an IPv6 address/,
  ],
];

const good = { registry: 'registry.example.com:5000', username: 'ci', password: 's3cret-pw' };

/** Bad core inputs: the input each error must name, and what it must say (plan.ts, the action, the command). */
export const planBadInputs: [string, Record<string, string>, string, RegExp][] = [
  ['no credentials', {}, 'username', /no credentials given/],
  ['username without password', { username: 'ci' }, 'password', /empty or white space/],
  ['password without username', { password: 'pw' }, 'username', /empty but password is set/],
  ['whitespace password', { username: 'ci', password: '   ' }, 'password', /white space only/],
  ['colon in username', { username: 'c:i', password: 'pw' }, 'username', /must not contain ':'/],
  ['newline in password', { username: 'ci', password: 'pw\n' }, 'password', /newline or control/],
  ['control char in password', { username: 'ci', password: 'p\u0007w' }, 'password', /control/],
  ['tab in username', { username: 'c\ti', password: 'pw' }, 'username', /control characters/],
  ['bad email', { ...good, email: 'not-an-email' }, 'email', /not an e-mail/],
  ['bad port', { ...good, registry: 'r.example.com:70000' }, 'registry', /port '70000'/],
  ['unsupported scheme', { ...good, registry: 'ftp://r.example.com' }, 'registry', /not supported/],
  ['malformed host', { ...good, registry: 'bad_host!' }, 'registry', /not a valid host/],
  ['invalid YAML', { registries: '- registry: [unclosed' }, 'registries', /not valid YAML at line 1/],
  ['YAML not a list', { registries: 'registry: ghcr.io' }, 'registries', /must be a YAML list/],
  ['YAML entry not a map', { registries: '- ghcr.io' }, 'registries', /entry 1 must be a mapping/],
  [
    'YAML unknown key',
    { registries: '- registry: ghcr.io\n  user: x\n  password: pw-y-1' },
    'registries',
    /unknown key/,
  ],
  [
    'YAML entry without registry',
    { registries: '- username: x\n  password: pw-y-1' },
    'registries',
    /has no registry/,
  ],
  [
    'YAML entry without password',
    { registries: '- registry: ghcr.io\n  username: x' },
    'registries[].password',
    /registry ghcr.io/,
  ],
  [
    'duplicate registry',
    {
      ...good,
      registries: '- registry: https://registry.example.com:5000\n  username: x\n  password: pw-y-1',
    },
    'registry',
    /given twice/,
  ],
  [
    'duplicate Hub alias',
    {
      registries:
        '- registry: docker.io\n  username: a\n  password: pw-b-1\n- registry: index.docker.io\n  username: c\n  password: pw-d-1',
    },
    'registries',
    /https:\/\/index.docker.io\/v1\/ is given twice/,
  ],
  ['timeout not a number', { ...good, timeout: '30s' }, 'timeout', /'30s' is not a number of seconds/],
  ['timeout zero', { ...good, timeout: '0' }, 'timeout', /between 0 and 21600/],
  ['timeout too long', { ...good, timeout: '86400' }, 'timeout', /between 0 and 21600/],
  [
    'unknown config-format',
    { ...good, 'config-format': 'json' },
    'config-format',
    /use one of config.json, dockercfg/,
  ],
  ['unknown state', { ...good, state: 'gone' }, 'state', /use one of present, absent/],
  ['bad boolean', { ...good, tarball: 'yes' }, 'tarball', /not a boolean/],
  [
    'export with dockercfg',
    { ...good, 'config-format': 'dockercfg', 'export-docker-config': 'true' },
    'export-docker-config',
    /only config.json/,
  ],
  ['unknown verify', { ...good, verify: 'maybe' }, 'verify', /fail, warn, off/],
  ['bad image', { ...good, images: 'Team/App:1' }, 'images', /must be lowercase/],
  ['bad platform', { ...good, platforms: 'linux' }, 'platforms', /os\/arch/],
  [
    'missing ca-cert file',
    { ...good, 'ca-cert': '/nonexistent/ca.pem' },
    'ca-cert',
    /neither PEM text nor a readable file/,
  ],
  [
    'ca-cert with PEM markers around garbage',
    { ...good, 'ca-cert': '-----BEGIN CERTIFICATE-----\nZ2FyYmFnZQ==\n-----END CERTIFICATE-----' },
    'ca-cert',
    /certificate 1 of 1 is not a valid PEM certificate/,
  ],
  ['md5 digest', { ...good, images: `r.io/a@md5:${'f'.repeat(32)}` }, 'images', /'md5' is not supported/],
  [
    'sha512 digest of sha256 length',
    { ...good, images: `r.io/a@sha512:${'f'.repeat(64)}` },
    'images',
    /sha512 digest is 128/,
  ],
  ['registry port above 65535', { ...good, images: 'localhost:65536/foo' }, 'images', /above 65535/],
  ['bracketed non-IPv6', { ...good, images: '[fd00123123123]:5000/foo' }, 'images', /not an IPv6/],
  ['unknown mode', { ...good, mode: 'dry-run' }, 'mode', /use one of apply, plan, audit/],
  [
    'audit of a removal',
    { ...good, mode: 'audit', state: 'absent' },
    'mode',
    /use mode: plan to preview a removal/,
  ],
];
