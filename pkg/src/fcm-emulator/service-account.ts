import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import { writeFile } from 'node:fs/promises';

/** A service-account key file, field for field as the Google Cloud console issues it. */
export interface ServiceAccount {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  auth_uri: string;
  token_uri: string;
  auth_provider_x509_cert_url: string;
  client_x509_cert_url: string;
  universe_domain: string;
}

export interface ServiceAccountSettings {
  projectId: string;
  /** Where clients exchange their signed JWT, e.g. `http://127.0.0.1:8095/token`. */
  tokenUri: string;
  clientEmail?: string;
}

/** A fresh account with its own RSA key, so a test never shares credentials with another. */
export function createServiceAccount({
  projectId,
  tokenUri,
  clientEmail = `push@${projectId}.iam.gserviceaccount.com`,
}: ServiceAccountSettings): ServiceAccount {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    type: 'service_account',
    project_id: projectId,
    private_key_id: randomBytes(20).toString('hex'),
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: clientEmail,
    client_id: randomDigits(21),
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: tokenUri,
    auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
    client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(clientEmail)}`,
    universe_domain: 'googleapis.com',
  };
}

/** Writes the key file readable by its owner only, as a private key deserves. */
export async function writeServiceAccountFile(
  path: string,
  account: ServiceAccount,
): Promise<void> {
  await writeFile(path, `${JSON.stringify(account, null, 2)}\n`, { mode: 0o600 });
}

function randomDigits(length: number): string {
  let digits = String(randomInt(1, 10));
  while (digits.length < length) digits += String(randomInt(0, 10));
  return digits;
}
