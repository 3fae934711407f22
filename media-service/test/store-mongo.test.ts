import { privateMongoDatabase, testLogger } from '@wa/pkg/testing';
import { openMediaStore } from '../src/repository/open-media-store.ts';
import { mediaStoreContract } from './store-contract.ts';

// On FerretDB here; on MongoDB 7 wherever TEST_MONGO_URL names one (addenda K).
mediaStoreContract('mongodb', async () => {
  const database = await privateMongoDatabase('mediastore');
  const store = await openMediaStore(database.url, { log: testLogger('media-store') });
  return {
    store,
    dispose: async () => {
      await store.close();
      await database.drop();
    },
  };
});
