/** The engines Tollgate stores to. Only the store module branches on it. */
export type StoreDialect = 'sqlite' | 'postgres';
