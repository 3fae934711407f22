import { readFileSync } from 'node:fs';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { ConfigError, Type } from '@wa/pkg/config';
import type { Static } from 'typebox';
import Value from 'typebox/value';

/** The fields of a Google service-account key file that the FCM client uses. */
const ServiceAccountFile = Type.Object({
  type: Type.Literal('service_account'),
  project_id: Type.String({ minLength: 1 }),
  private_key: Type.String({ minLength: 1 }),
  private_key_id: Type.Optional(Type.String()),
  client_email: Type.String({ minLength: 1 }),
  token_uri: Type.String({ pattern: '^https?://' }),
});

export interface ServiceAccountCredentials {
  projectId: string;
  clientEmail: string;
  privateKeyId: string | undefined;
  privateKey: KeyObject;
  tokenUri: string;
}

/**
 * Reads and checks the service-account JSON at start: a file that is missing, not JSON, lacks a
 * field or holds no usable RSA key stops the service with a message naming the path and the fault.
 */
export function loadServiceAccount(path: string): ServiceAccountCredentials {
  const fail = (fault: string): never => {
    throw new ConfigError([`FCM_CREDENTIALS_PATH (${path}): ${fault}`]);
  };
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    fail(`cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    fail('is not JSON');
  }
  if (!Value.Check(ServiceAccountFile, parsed)) {
    const problems = Value.Errors(ServiceAccountFile, parsed)
      .map((error) => `${error.instancePath || '/'} ${error.message}`)
      .join('; ');
    fail(`is not a service-account key file: ${problems}`);
  }
  const account = parsed as Static<typeof ServiceAccountFile>;
  let privateKey: KeyObject | undefined;
  try {
    privateKey = createPrivateKey(account.private_key);
  } catch {
    fail('private_key is not a PEM private key');
  }
  if (privateKey?.asymmetricKeyType !== 'rsa') fail('private_key is not an RSA key');
  return {
    projectId: account.project_id,
    clientEmail: account.client_email,
    privateKeyId: account.private_key_id,
    privateKey: privateKey as KeyObject,
    tokenUri: account.token_uri,
  };
}
