import { defineInputs } from '../inputs/spec.js';

/** Minting registry credentials from a cloud identity (this folder). */
export const identityInputs = defineInputs([
  { name: 'auth', default: 'auto' },
  { name: 'min-lifetime', default: '1h' },
  { name: 'azure-client-id' },
  { name: 'azure-tenant-id' },
]);
