import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createPgPool, pgArray, type ArrayElement } from '@wa/pkg/db';
import { testLogger, testStores } from '@wa/pkg/testing';

// node-postgres' own conversion of a parameter, which pgArray must match.
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils.js') as {
  prepareValue: (value: unknown) => unknown;
};

const SAMPLES: ArrayElement[][] = [
  [],
  [''],
  [null, undefined, 'NULL', 'null'],
  ['a', 'b,c', '{d}', ' e ', 'f"g', 'h\\i', '\\"', '"', '\\', 'é😀', '\u0000x'],
  [JSON.stringify({ body: 'say "hi"\\n', list: [1, 2] })],
  [0, 1.5, -2, 1e21, true, false],
  ['8f14e45f-ceea-467f-a8f0-2f6f6a0d9d1a', '2026-12-07T12:00:00.000Z'],
];

test('pgArray writes what node-postgres writes for every array of strings, numbers and booleans', () => {
  for (const values of SAMPLES) assert.equal(pgArray(values), prepareValue(values), String(values));
});

test('PostgreSQL reads back every element pgArray wrote', async () => {
  const pool = createPgPool({ url: testStores.databaseUrl, log: testLogger('array-literal') });
  try {
    const texts = SAMPLES[3].filter((value) => !String(value).includes('\u0000')) as string[];
    const { rows } = await pool.query<{ values: string[] }>('SELECT $1::text[] AS values', [
      pgArray(texts),
    ]);
    assert.deepEqual(rows[0].values, texts);
    const nulls = await pool.query<{ values: (string | null)[] }>('SELECT $1::text[] AS values', [
      pgArray([null, 'NULL']),
    ]);
    assert.deepEqual(nulls.rows[0].values, [null, 'NULL']);
  } finally {
    await pool.end();
  }
});
