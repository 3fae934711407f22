import type { OpenMessageStore } from './message-store.ts';
import { openMongoMessageStore } from './mongo/open-mongo-message-store.ts';
import { openPostgresMessageStore } from './postgres/open-postgres-message-store.ts';

/** Addenda K: the URL scheme of MESSAGE_STORE_URL picks the adapter. */
const ADAPTERS: Record<string, OpenMessageStore> = {
  'postgres:': openPostgresMessageStore,
  'postgresql:': openPostgresMessageStore,
  'mongodb:': openMongoMessageStore,
  'mongodb+srv:': openMongoMessageStore,
};

export const MESSAGE_STORE_SCHEMES = Object.keys(ADAPTERS).map((scheme) => scheme.slice(0, -1));

export const openMessageStore: OpenMessageStore = (url, context) => {
  const open = ADAPTERS[new URL(url).protocol];
  if (!open)
    throw new Error(
      `MESSAGE_STORE_URL must start with one of ${MESSAGE_STORE_SCHEMES.map((s) => `${s}://`).join(', ')}`,
    );
  return open(url, context);
};
