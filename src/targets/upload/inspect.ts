/** Plan and audit for archive destinations: what each stores now, read without writing. */
import { archiveDocument, sha256 } from '../../archive.js';
import type { Credential } from '../../credentials/documents.js';
import { maskDeployed } from '../../credentials/parse.js';
import type { StoredArchive } from '../../destinations/types.js';
import { documentChanges } from '../../modes/classify.js';
import type { Observation } from '../types.js';

/** The archive apply would upload, given the document an archive stores now (see desiredAt). */
export type DesiredArchiveAt = (stored: string | undefined) => {
  sha256: string;
  credentials: readonly Credential[];
};

/**
 * One destination's observation. The stored document's secrets are masked before anything else
 * looks at it; an archive that holds no docker config was not made by pull-credentials.
 */
export function observeArchive(
  subject: string,
  stored: StoredArchive,
  desired: DesiredArchiveAt | undefined,
): Observation {
  if (stored.found === 'absent') {
    const want = desired?.(undefined);
    return {
      subject,
      found: 'absent',
      message: 'no archive stored',
      ...(want
        ? {
            changes: [
              `+ archive sha256 ${want.sha256} with ${want.credentials.map((c) => c.address.key).join(', ')}`,
            ],
          }
        : {}),
    };
  }
  if (stored.found === 'unreadable') {
    const want = desired?.(undefined);
    return {
      subject,
      found: 'unreadable',
      message: stored.reason,
      ...(want ? { changes: [`archive sha256 ${want.sha256} (uploaded every run)`] } : {}),
    };
  }
  const found = archiveDocument(stored.bytes);
  if (found) maskDeployed(found.document);
  const storedSha = sha256(stored.bytes);
  const want = desired?.(found?.document);
  const upToDate = want ? stored.current(want.sha256) : undefined;
  const changes =
    want && !upToDate
      ? [
          `~ archive sha256 ${storedSha} → ${want.sha256}`,
          ...(found ? documentChanges(found.document, want.credentials) : []),
        ]
      : [];
  return {
    subject,
    found: 'present',
    managed: found !== undefined,
    ...(upToDate === undefined ? {} : { upToDate }),
    ...(found ? { document: found.document } : {}),
    ...(changes.length > 0 ? { changes } : {}),
    message: found
      ? `archive sha256 ${storedSha}`
      : `holds ${stored.bytes.length} bytes that are not a docker.tar.gz with a docker config`,
  };
}
