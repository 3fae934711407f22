import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, createSign, createVerify, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@wa/pkg/config';
import {
  createServiceAccount,
  writeServiceAccountFile,
  type ServiceAccount,
} from '@wa/pkg/fcm-emulator';
import { loadServiceAccount } from '../src/repository/service-account.ts';

const TOKEN_URI = 'http://127.0.0.1:1/token';

describe('loadServiceAccount', () => {
  let directory: string;
  let account: ServiceAccount;
  let files = 0;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'service-account-'));
    account = createServiceAccount({ projectId: 'wa-push', tokenUri: TOKEN_URI });
  });
  after(() => rm(directory, { recursive: true, force: true }));

  /** Writes `content` (JSON unless a string) to a fresh file and returns its path. */
  async function fileWith(content: unknown): Promise<string> {
    const path = join(directory, `account-${++files}.json`);
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  }

  /** Asserts loading `path` throws a ConfigError naming the variable, the path and `fault`. */
  function assertRefused(path: string, fault: RegExp): void {
    assert.throws(
      () => loadServiceAccount(path),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError, String(error));
        assert.equal(error.problems.length, 1);
        const [problem] = error.problems;
        assert.ok(problem.startsWith(`FCM_CREDENTIALS_PATH (${path}): `), problem);
        assert.match(problem, fault);
        return true;
      },
    );
  }

  test('loads a key file as the console issues it: project, email, token URI and RSA key', async () => {
    const path = join(directory, 'issued.json');
    await writeServiceAccountFile(path, account);
    const loaded = loadServiceAccount(path);
    assert.equal(loaded.projectId, 'wa-push');
    assert.equal(loaded.clientEmail, account.client_email);
    assert.equal(loaded.privateKeyId, account.private_key_id);
    assert.equal(loaded.tokenUri, TOKEN_URI);
    assert.equal(loaded.privateKey.type, 'private');
    assert.equal(loaded.privateKey.asymmetricKeyType, 'rsa');
    // The key is the account's own: what it signs verifies against the account's public key.
    const signature = createSign('RSA-SHA256').update('jwt').sign(loaded.privateKey);
    const publicKey = createPublicKey(account.private_key);
    assert.ok(createVerify('RSA-SHA256').update('jwt').verify(publicKey, signature));
  });

  test('accepts an RSA key in PKCS#1 PEM and a file without private_key_id', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const withoutKeyId: Partial<ServiceAccount> = {
      ...account,
      private_key: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    };
    delete withoutKeyId.private_key_id;
    const path = await fileWith(withoutKeyId);
    const loaded = loadServiceAccount(path);
    assert.equal(loaded.privateKeyId, undefined);
    assert.equal(loaded.privateKey.asymmetricKeyType, 'rsa');
  });

  test('refuses an EC private key: FCM wants RS256', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    assertRefused(
      await fileWith({ ...account, private_key: pem }),
      /private_key is not an RSA key/,
    );
  });

  test('refuses a public key or text in place of the private key', async () => {
    const publicPem = createPublicKey(account.private_key)
      .export({ type: 'spki', format: 'pem' })
      .toString();
    for (const privateKey of [publicPem, 'not a key'])
      assertRefused(
        await fileWith({ ...account, private_key: privateKey }),
        /private_key is not a PEM private key/,
      );
  });

  test('refuses a file of another credential type', async () => {
    assertRefused(
      await fileWith({ ...account, type: 'authorized_user' }),
      /is not a service-account key file: \/type /,
    );
  });

  test('names each missing or empty field it needs', async () => {
    for (const field of ['project_id', 'private_key', 'client_email', 'token_uri'] as const) {
      const missing: Partial<ServiceAccount> = { ...account };
      delete missing[field];
      assertRefused(
        await fileWith(missing),
        new RegExp(`is not a service-account key file: .*${field}`),
      );
      assertRefused(
        await fileWith({ ...account, [field]: '' }),
        new RegExp(`is not a service-account key file: .*/${field}`),
      );
    }
  });

  test('refuses a token_uri that is not an http(s) URL', async () => {
    assertRefused(
      await fileWith({ ...account, token_uri: 'ftp://example.com/token' }),
      /is not a service-account key file: \/token_uri /,
    );
  });

  test('says when the file is missing, not JSON or not an object', async () => {
    assertRefused(join(directory, 'absent.json'), /cannot be read \(ENOENT\)$/);
    assertRefused(await fileWith('{ "type": '), /is not JSON$/);
    assertRefused(await fileWith('[]'), /is not a service-account key file/);
  });
});
