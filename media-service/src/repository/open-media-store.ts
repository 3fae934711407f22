import { storeKindOf, type StoreKind } from '@wa/pkg/db';
import type { OpenMediaStore } from './media-store.ts';
import { openMongoMediaStore } from './mongo/open-mongo-media-store.ts';
import { openPostgresMediaStore } from './postgres/open-postgres-media-store.ts';

const ADAPTERS: Record<StoreKind, OpenMediaStore> = {
  postgres: openPostgresMediaStore,
  mongodb: openMongoMediaStore,
};

/** Addenda K: the URL scheme of MEDIA_STORE_URL picks the adapter. */
export const openMediaStore: OpenMediaStore = (url, context) =>
  ADAPTERS[storeKindOf(url, 'MEDIA_STORE_URL')](url, context);
