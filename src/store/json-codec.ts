import type { StoreDialect } from './dialect.js';

/**
 * PostgreSQL's driver hands back parsed jsonb; SQLite hands back the text we stored. Writes
 * are JSON text on both (pg casts a text parameter to jsonb).
 */
export interface JsonCodec {
  write(value: unknown): string;
  read<T>(value: unknown): T;
}

export function createJsonCodec(dialect: StoreDialect): JsonCodec {
  if (dialect === 'postgres') {
    return { write: (v) => JSON.stringify(v), read: <T>(v: unknown) => v as T };
  }
  return {
    write: (v) => JSON.stringify(v),
    read: <T>(v: unknown) => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T)),
  };
}
