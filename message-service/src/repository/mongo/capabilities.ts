import type { Db } from '@wa/pkg/db';
import { DELIVERIES, MESSAGES } from './documents.ts';

/*
 * What the server can do, asked once when the store opens. MongoDB 7 has both; FerretDB v1 has
 * neither (no text indexes; `$in` and `$or` filters are never pushed down to PostgreSQL, so they
 * scan the whole collection: about a second at 20,000 delivery documents).
 */
export interface Capabilities {
  /** A text index over body and caption exists on `messages` (migrations/mongo/indexes.ts). */
  textSearch: boolean;
  /**
   * A `$in` filter on an indexed field is served by the index. Without it, documents are looked
   * up one id at a time (an indexed equality each), a few at once.
   */
  indexedIn: boolean;
}

async function hasTextIndex(db: Db): Promise<boolean> {
  const indexes = await db
    .collection(MESSAGES)
    .listIndexes()
    .toArray()
    .catch(() => []);
  return indexes.some((index) => {
    const { key, weights } = index as { key?: Record<string, unknown>; weights?: object };
    return (
      key?._fts === 'text' && !!weights && 'payload.body' in weights && 'payload.caption' in weights
    );
  });
}

/** FerretDB's explain says whether a filter reaches PostgreSQL; MongoDB's has no such field. */
async function inReachesIndex(db: Db): Promise<boolean> {
  const plan = await db.command({
    explain: { find: DELIVERIES, filter: { message_id: { $in: ['a', 'b'] } } },
    verbosity: 'queryPlanner',
  });
  return (plan as { filterPushdown?: unknown }).filterPushdown !== false;
}

export async function probeCapabilities(db: Db): Promise<Capabilities> {
  const [textSearch, indexedIn] = await Promise.all([hasTextIndex(db), inReachesIndex(db)]);
  return { textSearch, indexedIn };
}
