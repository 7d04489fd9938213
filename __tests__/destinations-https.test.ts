/**
 * https:// destinations against a real TLS server (certificate from a throw-away CA, trusted
 * through the transport's dispatcher seam), speaking the Artifactory deploy and presigned-URL
 * contracts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildDispatcher, setDispatcherFactory } from '../src/http/transport.js';
import {
  DEPLOY_TOKEN,
  READ_ONLY_TOKEN,
  SIGNATURE,
  startHttpsPutServer,
  type HttpsPutServer,
} from './support/https-put-server.js';
import { testArchive, upload } from './support/upload-run.js';

let server: HttpsPutServer;

beforeAll(async () => {
  server = await startHttpsPutServer();
});
afterAll(async () => {
  setDispatcherFactory(undefined);
  await server.stop();
});
beforeEach(() => {
  // The runner's trust store plus the test CA, as NODE_EXTRA_CA_CERTS gives it to the action.
  setDispatcherFactory((options) => buildDispatcher({ ...options, ca: server.ca.caPem }));
  server.requests.length = 0;
  server.faults.length = 0;
});

const deploy = `Authorization: Bearer ${DEPLOY_TOKEN}`;
const of = (method: string, path: string) =>
  server.requests.filter((r) => r.method === method && r.path === path);

/** Everything a run shows: results, outputs. A secret must be in none of it. */
const visible = (outcome: unknown): string => JSON.stringify(outcome);

describe('https PUT (Artifactory-style)', () => {
  it('PUTs the archive with the headers, then skips it when HEAD reports the same sha256', async () => {
    const archive = testArchive('https-artifactory');
    const url = `${server.origin}/artifactory/generic-local/ci/docker.tar.gz`;
    const inputs = { 'upload-to': url, 'upload-headers': `${deploy}\nX-Team: platform` };
    const first = await upload('present', inputs, archive);
    expect(first.results).toEqual([expect.objectContaining({ subject: url, action: 'written' })]);
    expect(first.outputs?.['fetch-uris']).toEqual([url]);

    const [put] = of('PUT', '/artifactory/generic-local/ci/docker.tar.gz');
    expect(put?.status).toBe(201);
    expect(put?.bodySha256).toBe(archive.sha256);
    expect(put?.headers).toMatchObject({
      authorization: `Bearer ${DEPLOY_TOKEN}`,
      'content-type': 'application/gzip',
      'x-checksum-sha256': archive.sha256,
      'x-team': 'platform',
    });
    expect(first.secrets).toEqual(expect.arrayContaining([`Bearer ${DEPLOY_TOKEN}`, DEPLOY_TOKEN]));
    expect(visible(first.results)).not.toContain(DEPLOY_TOKEN);

    const second = await upload('present', inputs, archive);
    expect(second.results[0]?.action).toBe('unchanged');
    expect(of('PUT', '/artifactory/generic-local/ci/docker.tar.gz')).toHaveLength(1);
    expect(of('HEAD', '/artifactory/generic-local/ci/docker.tar.gz')).toHaveLength(2);

    const changed = testArchive('https-artifactory-2');
    expect((await upload('present', inputs, changed)).results[0]?.action).toBe('written');
    expect(server.files.get('/artifactory/generic-local/ci/docker.tar.gz')?.body.equals(changed.bytes)).toBe(
      true,
    );
  });

  it('lets upload-headers override Content-Type (a presigned URL may have signed another)', async () => {
    const url = `${server.origin}/artifactory/generic-local/ct/docker.tar.gz`;
    await upload('present', {
      'upload-to': url,
      'upload-headers': `${deploy}\nContent-Type: application/octet-stream`,
    });
    expect(of('PUT', '/artifactory/generic-local/ct/docker.tar.gz')[0]?.headers['content-type']).toBe(
      'application/octet-stream',
    );
  });

  it('retries 5xx and resets, then succeeds', async () => {
    server.faults.push({ match: /^PUT \/artifactory\/generic-local\/retry/, status: 503, times: 1 });
    server.faults.push({ match: /^PUT \/artifactory\/generic-local\/retry/, reset: true, times: 1 });
    const url = `${server.origin}/artifactory/generic-local/retry/docker.tar.gz`;
    const result = await upload('present', { 'upload-to': url, 'upload-headers': deploy });
    expect(result.results[0]?.action).toBe('written');
    expect(of('PUT', '/artifactory/generic-local/retry/docker.tar.gz').length).toBe(3);
  });

  it('deletes, then reports absent (404)', async () => {
    const url = `${server.origin}/artifactory/generic-local/rm/docker.tar.gz`;
    const inputs = { 'upload-to': url, 'upload-headers': deploy };
    await upload('present', inputs);
    expect((await upload('absent', inputs)).results[0]?.action).toBe('deleted');
    expect(server.files.has('/artifactory/generic-local/rm/docker.tar.gz')).toBe(false);
    expect((await upload('absent', inputs)).results[0]?.action).toBe('absent');
  });

  const failures: {
    name: string;
    path: string;
    headers?: string;
    fault?: RegExp;
    state?: 'absent';
    message: string;
  }[] = [
    {
      name: 'no credentials',
      path: '/artifactory/generic-local/f.tar.gz',
      message:
        'HTTP 401 Unauthorized: the server wants credentials: pass them in upload-headers (e.g. Authorization)',
    },
    {
      name: 'read-only token',
      path: '/artifactory/generic-local/f.tar.gz',
      headers: `Authorization: Bearer ${READ_ONLY_TOKEN}`,
      message:
        'HTTP 403 Forbidden: the credentials in upload-headers lack write (deploy) permission on this path',
    },
    {
      name: 'read-only token deleting',
      path: '/artifactory/generic-local/f.tar.gz',
      headers: `Authorization: Bearer ${READ_ONLY_TOKEN}`,
      state: 'absent',
      message: 'HTTP 403 Forbidden: the credentials in upload-headers lack delete permission on this path',
    },
    {
      name: 'missing repository',
      path: '/nexus/repository/raw/f.tar.gz',
      message: 'HTTP 404 Not Found: the repository or parent collection does not exist',
    },
    {
      name: 'missing WebDAV collection',
      path: '/webdav/missing/f.tar.gz',
      message: 'HTTP 409 Conflict: the parent collection does not exist (WebDAV) or the path is locked',
    },
    {
      name: 'redirect (not followed, its query not shown)',
      path: '/moved/f.tar.gz',
      message:
        'HTTP 301 redirects to https://elsewhere.example.com/moved/f.tar.gz; redirects are not followed ' +
        '(they would carry the upload headers elsewhere): give the final URL',
    },
    {
      name: '5xx that does not stop',
      path: '/artifactory/generic-local/f.tar.gz',
      headers: deploy,
      fault: /^PUT /,
      message: 'HTTP 502 (gave up after 3 attempts)',
    },
  ];
  it.each(failures)('$name → failed with a clear message', async (c) => {
    if (c.fault) server.faults.push({ match: c.fault, status: 502 });
    const url = `${server.origin}${c.path}`;
    const state = c.state ?? 'present';
    const result = await upload(state, {
      'upload-to': url,
      ...(c.headers ? { 'upload-headers': c.headers } : {}),
    });
    expect(result.results[0]?.action).toBe('failed');
    expect(result.results[0]?.message).toBe(`${state === 'absent' ? 'DELETE' : 'PUT'} ${url}: ${c.message}`);
    expect(visible(result)).not.toContain('token=leak');
  });

  it('fails on an untrusted certificate without retrying', async () => {
    setDispatcherFactory(undefined);
    const url = `${server.origin}/artifactory/generic-local/tls.tar.gz`;
    const result = await upload('present', { 'upload-to': url, 'upload-headers': deploy });
    expect(result.results[0]?.action).toBe('failed');
    expect(result.results[0]?.message).toMatch(
      /^PUT https:\/\/127\.0\.0\.1:\d+\/artifactory\/generic-local\/tls\.tar\.gz failed: .*(CERT|certificate)/i,
    );
    expect(of('PUT', '/artifactory/generic-local/tls.tar.gz')).toHaveLength(0);
  });
});

describe('https PUT (presigned URL)', () => {
  const query = `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20250101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=${SIGNATURE}`;

  it('PUTs without a HEAD, shows and fetches the URL without its query, and masks the query', async () => {
    const archive = testArchive('presigned');
    const bare = `${server.origin}/presigned/bucket/docker.tar.gz`;
    const inputs = { 'upload-to': `${bare}?${query}` };
    const first = await upload('present', inputs, archive);
    expect(first.results[0]).toMatchObject({ subject: bare, action: 'written' });
    expect(first.outputs).toEqual({ uploaded: [{ uri: bare, result: 'written' }], 'fetch-uris': [bare] });
    expect(first.secrets).toEqual(
      expect.arrayContaining([query, SIGNATURE, 'AKIAEXAMPLE/20250101/us-east-1/s3/aws4_request']),
    );
    expect(visible({ results: first.results, outputs: first.outputs })).not.toContain(SIGNATURE);

    const [put] = of('PUT', '/presigned/bucket/docker.tar.gz');
    expect(put?.bodySha256).toBe(archive.sha256);
    expect(put?.headers['x-checksum-sha256']).toBe(archive.sha256);
    expect(Object.keys(put?.headers ?? {}).filter((h) => h.startsWith('x-amz-'))).toEqual([]);

    // A presigned URL signs one method: no HEAD is tried, so the PUT is repeated.
    expect((await upload('present', inputs, archive)).results[0]?.action).toBe('written');
    expect(of('HEAD', '/presigned/bucket/docker.tar.gz')).toHaveLength(0);
    expect(of('PUT', '/presigned/bucket/docker.tar.gz')).toHaveLength(2);
  });

  it('explains that a PUT-signed URL cannot DELETE, without showing the signature', async () => {
    const bare = `${server.origin}/presigned/bucket/rm.tar.gz`;
    const result = await upload('absent', { 'upload-to': `${bare}?${query}` });
    expect(result.results[0]).toMatchObject({
      action: 'failed',
      message:
        `DELETE ${bare}: HTTP 403 Forbidden: the presigned URL has expired, or was signed for another ` +
        'method or headers (a URL signed for PUT cannot DELETE; presign one for DELETE)',
    });
    expect(visible(result.results)).not.toContain(SIGNATURE);
  });

  it('deletes with a URL presigned for DELETE', async () => {
    const bare = `${server.origin}/presigned/bucket/del.tar.gz`;
    await upload('present', { 'upload-to': `${bare}?${query}` });
    const result = await upload('absent', { 'upload-to': `${bare}?${query}&X-Amz-Method=DELETE` });
    expect(result.results[0]?.action).toBe('deleted');
  });

  it('keeps one failing destination from hiding another', async () => {
    const good = `${server.origin}/presigned/bucket/iso.tar.gz`;
    const bad = `${server.origin}/presigned/bucket/iso-bad.tar.gz`;
    const result = await upload('present', {
      'upload-to': `${bad}?X-Amz-Signature=wrong-signature-value\n${good}?${query}`,
    });
    expect(result.results.map((r) => [r.subject, r.action])).toEqual([
      [bad, 'failed'],
      [good, 'written'],
    ]);
  });
});
