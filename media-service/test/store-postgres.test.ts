import { mediaStoreContract } from './store-contract.ts';

mediaStoreContract('postgres');
