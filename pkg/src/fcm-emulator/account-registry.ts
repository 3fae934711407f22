import { createPublicKey, type KeyObject } from 'node:crypto';
import type { ServiceAccount } from './service-account.ts';

/** A trusted account with the public half of its key, derived once. */
export interface TrustedKey {
  account: ServiceAccount;
  publicKey: KeyObject;
}

export interface AccountRegistry {
  trust(account: ServiceAccount): void;
  /** Every trusted key of the account whose `client_email` is `email` (rotated keys share it). */
  keysFor(email: string): TrustedKey[];
}

export function createAccountRegistry(initial: ServiceAccount[] = []): AccountRegistry {
  const keysByEmail = new Map<string, TrustedKey[]>();
  const trust = (account: ServiceAccount) => {
    const publicKey = createPublicKey(account.private_key);
    const others = (keysByEmail.get(account.client_email) ?? []).filter(
      (key) => key.account.private_key_id !== account.private_key_id,
    );
    keysByEmail.set(account.client_email, [...others, { account, publicKey }]);
  };
  initial.forEach(trust);
  return { trust, keysFor: (email) => keysByEmail.get(email) ?? [] };
}
