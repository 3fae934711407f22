import type { PgPool } from '@wa/pkg/db';

/** Counters of one database's work, from pg_stat_database and pg_stat_user_tables. */
export interface PgWork {
  /** Committed transactions (each autocommitted statement is one). */
  commits: number;
  inserted: number;
  updated: number;
  /** Updates that touched no index (heap-only tuples). */
  hotUpdated: number;
  /** Per table: rows inserted and updated (HOT in brackets), sequential scans and rows they read. */
  tables: Record<string, TableWork>;
}

interface TableWork {
  inserted: number;
  updated: number;
  hot: number;
  seqScans: number;
  seqRead: number;
}

const NO_WORK: TableWork = { inserted: 0, updated: 0, hot: 0, seqScans: 0, seqRead: 0 };

async function snapshot(pool: PgPool): Promise<PgWork> {
  const { rows: db } = await pool.query<{ commits: string }>(
    'SELECT xact_commit AS commits FROM pg_stat_database WHERE datname = current_database()',
  );
  const { rows } = await pool.query<Record<keyof TableWork | 'relname', string>>(
    `SELECT relname, n_tup_ins AS "inserted", n_tup_upd AS "updated", n_tup_hot_upd AS "hot",
       seq_scan AS "seqScans", seq_tup_read AS "seqRead"
     FROM pg_stat_user_tables`,
  );
  const tables = Object.fromEntries(
    rows.map((r) => [
      r.relname,
      {
        inserted: Number(r.inserted),
        updated: Number(r.updated),
        hot: Number(r.hot),
        seqScans: Number(r.seqScans),
        seqRead: Number(r.seqRead),
      },
    ]),
  );
  const sum = (field: 'inserted' | 'updated' | 'hot') =>
    Object.values(tables).reduce((total, t) => total + t[field], 0);
  return {
    commits: Number(db[0]?.commits ?? 0),
    inserted: sum('inserted'),
    updated: sum('updated'),
    hotUpdated: sum('hot'),
    tables,
  };
}

/**
 * Starts counting the bench database's work; the returned function gives what was done since,
 * once the server has flushed its backends' counters (they report when idle, within about 1 s,
 * so call it after the run has drained). The bench's own monitoring queries count too (a few).
 */
export async function measurePgWork(pool: PgPool): Promise<() => Promise<PgWork>> {
  const start = await snapshot(pool);
  return async () => {
    const end = await snapshot(pool);
    const tables: PgWork['tables'] = {};
    for (const [name, t] of Object.entries(end.tables)) {
      const before = start.tables[name] ?? NO_WORK;
      const delta = {
        inserted: t.inserted - before.inserted,
        updated: t.updated - before.updated,
        hot: t.hot - before.hot,
        seqScans: t.seqScans - before.seqScans,
        seqRead: t.seqRead - before.seqRead,
      };
      if (delta.inserted || delta.updated || delta.seqRead) tables[name] = delta;
    }
    return {
      commits: end.commits - start.commits,
      inserted: end.inserted - start.inserted,
      updated: end.updated - start.updated,
      hotUpdated: end.hotUpdated - start.hotUpdated,
      tables,
    };
  };
}

/** One line: per delivered message, transactions and row writes, with the tables written. */
export function pgWorkLine(work: PgWork, delivered: number): string {
  const per = (value: number) => (value / Math.max(delivered, 1)).toFixed(2);
  const tables = Object.entries(work.tables)
    .map(
      ([name, t]) =>
        `${name} +${t.inserted} ins, ${t.updated} upd (${t.hot} HOT)` +
        (t.seqRead ? `, ${t.seqScans} seq scans reading ${t.seqRead} rows` : ''),
    )
    .join('; ');
  return (
    `postgres per delivered message: ${per(work.commits)} transactions, ${per(work.inserted)} rows inserted, ` +
    `${per(work.updated)} updated (${per(work.hotUpdated)} HOT); ${tables}`
  );
}
