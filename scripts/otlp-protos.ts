import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/** The vendored .proto files the OTLP intake decodes with (src/http/otlp/proto). */
export const PROTO_DIR = fileURLToPath(new URL('../src/http/otlp/proto/', import.meta.url));

/** The trace export request and response, and google.rpc.Status for error answers, parsed from the .proto files. */
export function loadOtlpProtos(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(PROTO_DIR, target);
  root.loadSync(['opentelemetry/proto/collector/trace/v1/trace_service.proto', 'google/rpc/status.proto']);
  root.resolveAll();
  return root;
}
