/** The command line's host: what it shows on stderr never holds a registered secret. */
import { describe, expect, it } from 'vitest';
import { createCliHost } from '../src/cli/host.js';

function host() {
  let written = '';
  const h = createCliHost({ write: (text) => (written += text) });
  return { h, written: () => written };
}

describe('the command-line host', () => {
  it('hides a secret wherever it appears, the longest first', () => {
    const { h, written } = host();
    h.setSecret('hunter2-secret');
    h.setSecret('hunter2');
    h.info('login hunter2-secret failed; retry with hunter2 in x-hunter2-y');
    h.warning('token hunter2', { title: 'hunter2-secret' });
    expect(written()).toBe('login *** failed; retry with *** in x-***-y\nwarning: ***: token ***\n');
  });

  it('hides a secret of a few characters only where it stands alone, not inside words', () => {
    const { h, written } = host();
    h.setSecret('y');
    h.setSecret('ab1');
    h.info("entry 1: password 'y', token ab1, registry cab12");
    expect(written()).toBe("entry 1: password '***', token ***, registry cab12\n");
  });

  it('hides a multi-line secret whole and each of its long lines, not its braces', () => {
    const { h, written } = host();
    h.setSecret('{\n  "auth": "YWxpY2U6cHc="\n}');
    h.info('{\n  "auth": "YWxpY2U6cHc="\n}');
    h.info('line "auth": "YWxpY2U6cHc=" and { braces }');
    expect(written()).toBe('***\nline *** and { braces }\n');
  });

  it('keeps outputs as set and prints the report redacted', async () => {
    const { h, written } = host();
    h.setSecret('pw-secret-1');
    h.setOutput('tarball', '/tmp/x');
    await h.summary({
      state: 'present',
      registries: ['ghcr.io'],
      outcomes: new Map([
        [
          'upload',
          {
            results: [
              { target: 'upload', subject: 'https://h/x', action: 'failed', message: 'denied pw-secret-1' },
            ],
          },
        ],
      ]),
    });
    expect(h.outputs).toEqual({ tarball: '/tmp/x' });
    expect(written()).toBe(
      'pull-credentials (present)\nRegistries: ghcr.io\nTargets:\n  upload https://h/x: failed (denied ***)\n',
    );
  });

  it('renders outputs as name=value lines as the action sets them, or one JSON object of values', () => {
    const { h } = host();
    h.setSecret('pw-secret-1');
    h.setOutput('docker-config', '/tmp/d/config.json');
    h.setOutput('uploaded', [{ uri: 'https://h/x', result: 'failed', message: 'denied pw-secret-1' }]);
    h.setOutput('dcos', { path: 'a/b', action: 'unchanged' });
    h.setOutput('verified', false);
    h.setOutput('changes', 0);
    expect(h.renderOutputs(false)).toBe(
      [
        'docker-config=/tmp/d/config.json',
        'uploaded=[{"uri":"https://h/x","result":"failed","message":"denied ***"}]',
        'dcos={"path":"a/b","action":"unchanged"}',
        'verified=false',
        'changes=0',
        '',
      ].join('\n'),
    );
    expect(JSON.parse(h.renderOutputs(true))).toEqual({
      'docker-config': '/tmp/d/config.json',
      uploaded: [{ uri: 'https://h/x', result: 'failed', message: 'denied ***' }],
      dcos: { path: 'a/b', action: 'unchanged' },
      verified: false,
      changes: 0,
    });
    expect(h.renderOutputs(true).split('\n')).toHaveLength(2);
  });
});
