import { mediaStoreContract } from './store-contract.ts';

// On FerretDB here; on MongoDB 7 wherever TEST_MONGO_URL names one (addenda K).
mediaStoreContract('mongodb');
