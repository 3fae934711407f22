import { createTestDatabase, testLogger } from '@wa/pkg/testing';
import { openMediaStore } from '../src/repository/open-media-store.ts';
import { mediaStoreContract } from './store-contract.ts';

mediaStoreContract('postgres', async () => {
  const database = await createTestDatabase('mediastore');
  const store = await openMediaStore(database.url, { log: testLogger('media-store') });
  return {
    store,
    dispose: async () => {
      await store.close();
      await database.drop();
    },
  };
});
