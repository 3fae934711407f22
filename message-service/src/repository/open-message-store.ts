import { storeKindOf, type StoreKind } from '@wa/pkg/db';
import type { OpenMessageStore } from './message-store.ts';
import { openMongoMessageStore } from './mongo/open-mongo-message-store.ts';
import { openPostgresMessageStore } from './postgres/open-postgres-message-store.ts';

const ADAPTERS: Record<StoreKind, OpenMessageStore> = {
  postgres: openPostgresMessageStore,
  mongodb: openMongoMessageStore,
};

/** Addenda K: the URL scheme of MESSAGE_STORE_URL picks the adapter. */
export const openMessageStore: OpenMessageStore = (url, context) =>
  ADAPTERS[storeKindOf(url, 'MESSAGE_STORE_URL')](url, context);
