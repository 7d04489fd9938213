import { destinationKinds } from '../destinations/index.js';
import type { Destination, FetchScheme } from '../destinations/types.js';
import { orDeadline } from '../deadline.js';
import { errorMessage, InputError } from '../errors.js';
import { parseChoice } from '../plan.js';
import { buildArchive } from '../archive.js';
import { renderDocument } from '../credentials/documents.js';
import { desiredAt } from '../credentials/minted.js';
import type { DesiredArchiveAt } from './upload/inspect.js';
import {
  defineTarget,
  type BasePlan,
  type Observation,
  type TargetContext,
  type TargetResult,
} from './types.js';
import type { UploadInputs } from './upload/inputs.js';

export interface UploadPlan {
  destinations: Destination[];
  fetchScheme: FetchScheme;
  state: 'present' | 'absent';
}

/** The archive apply would upload at a destination, given the document it stores now. */
function desiredArchive({ base, artifacts }: TargetContext): DesiredArchiveAt | undefined {
  const built = artifacts.archive;
  if (!built) return undefined;
  const at = desiredAt(base, artifacts.document, (credentials) =>
    renderDocument(credentials, base.configFormat),
  );
  return (stored) => {
    const want = at(stored);
    // The run's own archive, unless an audit put a place's stored minted credentials in.
    const sha256 =
      want.document === artifacts.document
        ? built.sha256
        : buildArchive(want.document, base.configFormat).sha256;
    return { sha256, credentials: want.credentials };
  };
}

/** One `uploaded` entry: a failed destination says why. */
const uploadedRow = (r: TargetResult) => ({
  uri: r.subject,
  result: r.action,
  ...(r.action === 'failed' ? { message: r.message } : {}),
});

/** Ships docker.tar.gz to every `upload-to` destination, concurrently; each is reported on its own. */
export const uploadTarget = defineTarget<UploadPlan>({
  name: 'upload',
  plan(inputs: UploadInputs, base: BasePlan) {
    const fetchScheme = parseChoice<FetchScheme>('fetch-scheme', inputs.fetchScheme, ['https', 'native']);
    // upload-headers, fetch-scheme and the s3-* inputs declare what they need (upload-to, or an
    // https:// or s3:// destination), checked before any target plans.
    if (inputs.uploadTo.length === 0) return undefined;
    const seen = new Set<string>();
    const destinations = inputs.uploadTo.map((uri) => {
      const kind = destinationKinds.find((k) => k.matches(uri));
      if (!kind) {
        const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1] ?? uri;
        const names = destinationKinds.map((k) => k.name).join(', ');
        throw new InputError(
          'upload-to',
          `'${scheme}:' destinations are not supported (supported: ${names})`,
        );
      }
      const destination = kind.parse(uri, inputs);
      if (seen.has(destination.display)) {
        throw new InputError('upload-to', `${destination.display} is listed twice`);
      }
      seen.add(destination.display);
      return destination;
    });
    return { destinations, fetchScheme, state: base.state };
  },
  facts: (plan) => ({ fetchUris: plan.destinations.map((d) => d.fetchUri(plan.fetchScheme)) }),
  secrets: (plan) => plan.destinations.flatMap((d) => d.secrets),

  async present(plan, ctx) {
    const archive = ctx.artifacts.archive;
    if (!archive) throw new Error('upload target ran without an archive');
    const results = await Promise.all(
      plan.destinations.map(async (d): Promise<TargetResult> => {
        try {
          const put = await d.put(archive, ctx.signal);
          const { action, note } = typeof put === 'string' ? { action: put, note: undefined } : put;
          if (note) ctx.log.warning(`${d.display}: ${note}`);
          const message = `sha256 ${archive.sha256}${note ? `; ${note}` : ''}`;
          return { target: 'upload', subject: d.display, action, message };
        } catch (error) {
          const message = errorMessage(orDeadline(error, ctx.signal));
          return { target: 'upload', subject: d.display, action: 'failed', message };
        }
      }),
    );
    const fetchUris = plan.destinations.map((d) => d.fetchUri(plan.fetchScheme));
    return {
      results,
      outputs: {
        uploaded: results.map(uploadedRow),
        'fetch-uris': fetchUris,
      },
      facts: { storedFetchUris: fetchUris.filter((_uri, i) => results[i]!.action !== 'failed') },
    };
  },

  async inspect(plan, ctx) {
    const { observeArchive } = await import('./upload/inspect.js');
    const desired = ctx.base.state === 'present' ? desiredArchive(ctx) : undefined;
    return Promise.all(
      plan.destinations.map(async (d): Promise<Observation> => {
        try {
          return observeArchive(d.display, await d.read(ctx.signal), desired);
        } catch (error) {
          return { subject: d.display, found: 'failed', message: errorMessage(error) };
        }
      }),
    );
  },

  outputs(plan, results) {
    const uploaded = results.map(uploadedRow);
    // As present and absent set them: fetch URIs only where the archive is shipped.
    return plan.state === 'absent'
      ? { uploaded }
      : { uploaded, 'fetch-uris': plan.destinations.map((d) => d.fetchUri(plan.fetchScheme)) };
  },

  async absent(plan, ctx) {
    const results = await Promise.all(
      plan.destinations.map(async (d): Promise<TargetResult> => {
        try {
          const action = await d.remove(ctx.signal);
          return { target: 'upload', subject: d.display, action, message: '' };
        } catch (error) {
          const message = errorMessage(orDeadline(error, ctx.signal));
          return { target: 'upload', subject: d.display, action: 'failed', message };
        }
      }),
    );
    return { results, outputs: { uploaded: results.map(uploadedRow) } };
  },
});
