/** The store's public face: the store, its repositories and the types of what it keeps. */
export { newId } from './id.js';
export type { JsonObject } from './json-column.js';
export * from './alert-repository.js';
export * from './backup-repository.js';
export * from './check-result-repository.js';
export * from './delivery-repository.js';
export * from './event-repository.js';
export * from './job-repository.js';
export * from './lock-repository.js';
export * from './monitor-repository.js';
export * from './release-repository.js';
export * from './release-step-repository.js';
export type { Database } from './schema.js';
export { openStore, migrateStore, type Store, type StoreOptions } from './store.js';
export { parseStoreUrl, redactUrl, STORE_URL_FORMS, type StoreDialectName, type StoreLocation } from './store-url.js';
