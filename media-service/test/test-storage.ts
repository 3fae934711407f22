import { testStores } from '@wa/pkg/testing';
import {
  createObjectStorage,
  type ObjectStorageSettings,
} from '../src/repository/object-storage.ts';

/** The tests' S3 server and bucket (versitygw here, from scripts/infra/up.sh). */
export const testStorageSettings: ObjectStorageSettings = {
  endpoint: testStores.s3.url,
  publicEndpoint: testStores.s3.url,
  region: 'us-east-1',
  accessKey: testStores.s3.accessKey,
  secretKey: testStores.s3.secretKey,
  bucket: testStores.s3.bucket,
};

export const createTestStorage = (overrides: Partial<ObjectStorageSettings> = {}) =>
  createObjectStorage({ ...testStorageSettings, ...overrides });
