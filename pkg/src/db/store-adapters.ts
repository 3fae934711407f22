/** The two kinds of store every store interface has an adapter for (addenda K). */
export type StoreKind = 'postgres' | 'mongodb';

/** Addenda K: the URL's scheme picks the adapter, the same way for every service's store. */
const KIND_BY_SCHEME: Record<string, StoreKind> = {
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
  'mongodb:': 'mongodb',
  'mongodb+srv:': 'mongodb',
};

export const STORE_URL_SCHEMES = Object.keys(KIND_BY_SCHEME).map((scheme) => `${scheme}//`);

/** The same rule for configuration schemas (a `*_STORE_URL` is validated at start). */
export const STORE_URL_PATTERN = '^(postgres|postgresql|mongodb|mongodb\\+srv)://';

/** Which adapter serves `url`; throws naming `variable` when its scheme is none of ours. */
export function storeKindOf(url: string, variable: string): StoreKind {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new Error(`${variable} is not a URL`);
  }
  const kind = KIND_BY_SCHEME[protocol];
  if (!kind) throw new Error(`${variable} must start with one of ${STORE_URL_SCHEMES.join(', ')}`);
  return kind;
}
