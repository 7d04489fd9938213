/**
 * Bad inputs and the one error each must give, driven through the action (exit 1, one ::error::)
 * and the command line (exit 2, one message) from this one table. A `/…` upload-to is replaced by
 * a path in a fresh directory, to check that nothing is written there.
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
    /^Input 'upload-to': .*relative path/,
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
    { ...creds, registries: '- registry: registry.example.com:5000\n  username: x\n  password: y' },
    /given twice/,
  ],
  ['unknown state', { ...creds, state: 'removed' }, /^Input 'state': /],
  ['no credentials', { 'upload-to': '/tmp/never.tgz' }, /^Input 'username': no credentials given/],
  [
    'an input without the one it needs',
    { ...creds, 'kubernetes-secret-name': 'pull' },
    /^Input 'kubernetes-secret-name': needs kubernetes-namespaces, but kubernetes-namespaces is empty/,
  ],
];
