/** Plan and audit for archive destinations: what each stores now, read without writing. */
import { archiveDocument, sha256 } from '../../archive.js';
import type { Credential } from '../../credentials/documents.js';
import { maskDeployed } from '../../credentials/parse.js';
import type { StoredArchive } from '../../destinations/types.js';
import { documentChanges } from '../../modes/classify.js';
import type { Observation } from '../types.js';

/**
 * One destination's observation. The stored document's secrets are masked before anything else
 * looks at it; an archive that holds no docker config was not made by pull-credentials.
 */
export function observeArchive(
  subject: string,
  stored: StoredArchive,
  desired: { sha256: string } | undefined,
  credentials: readonly Credential[],
): Observation {
  if (stored.found === 'absent') {
    return {
      subject,
      found: 'absent',
      message: 'no archive stored',
      ...(desired
        ? {
            changes: [
              `+ archive sha256 ${desired.sha256} with ${credentials.map((c) => c.address.key).join(', ')}`,
            ],
          }
        : {}),
    };
  }
  if (stored.found === 'unreadable') {
    return {
      subject,
      found: 'unreadable',
      message: stored.reason,
      ...(desired ? { changes: [`archive sha256 ${desired.sha256} (uploaded every run)`] } : {}),
    };
  }
  const found = archiveDocument(stored.bytes);
  if (found) maskDeployed(found.document);
  const storedSha = sha256(stored.bytes);
  const upToDate = desired ? stored.current(desired.sha256) : undefined;
  const changes =
    desired && !upToDate
      ? [
          `~ archive sha256 ${storedSha} → ${desired.sha256}`,
          ...(found ? documentChanges(found.document, credentials) : []),
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
