import type { OpenMediaStore } from './media-store.ts';
import { openMongoMediaStore } from './mongo/open-mongo-media-store.ts';
import { openPostgresMediaStore } from './postgres/open-postgres-media-store.ts';

/** Addenda K: the URL scheme of MEDIA_STORE_URL picks the adapter. */
const ADAPTERS: Record<string, OpenMediaStore> = {
  'postgres:': openPostgresMediaStore,
  'postgresql:': openPostgresMediaStore,
  'mongodb:': openMongoMediaStore,
  'mongodb+srv:': openMongoMediaStore,
};

export const MEDIA_STORE_SCHEMES = Object.keys(ADAPTERS).map((scheme) => scheme.slice(0, -1));

export const openMediaStore: OpenMediaStore = (url, context) => {
  const open = ADAPTERS[new URL(url).protocol];
  if (!open)
    throw new Error(
      `MEDIA_STORE_URL must start with one of ${MEDIA_STORE_SCHEMES.map((s) => `${s}://`).join(', ')}`,
    );
  return open(url, context);
};
