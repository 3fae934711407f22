/** What an array parameter of ours holds; dates travel as ISO strings. */
export type ArrayElement = string | number | boolean | null | undefined;

const NEEDS_ESCAPE = /["\\]/;
const ESCAPED = /["\\]/g;

/**
 * The PostgreSQL array literal of `values`, exactly as node-postgres writes an array parameter
 * (every element quoted, `"` and `\` escaped, NULL for null), for the batched statements' columns:
 * node-postgres escapes each element with two regular-expression replaces, which allocate even
 * when there is nothing to escape (a sixth of what the message-service allocated at 500/s).
 */
export function pgArray(values: readonly ArrayElement[]): string {
  let literal = '{';
  for (let i = 0; i < values.length; i += 1) {
    if (i > 0) literal += ',';
    const value = values[i];
    if (value === null || value === undefined) {
      literal += 'NULL';
      continue;
    }
    const text = typeof value === 'string' ? value : String(value);
    literal += `"${NEEDS_ESCAPE.test(text) ? text.replace(ESCAPED, '\\$&') : text}"`;
  }
  return `${literal}}`;
}
