/**
 * The ceiling for comparison: a bare Fastify app (no logger, no schemas, no plugins) with one
 * POST route that parses the JSON body and answers with a small JSON object.
 */
import Fastify from 'fastify';
import { serveUntilShutdown } from './lib/proc.js';

const app = Fastify();
let n = 0;
app.post('/hello', (req, reply) => reply.code(201).send({ id: ++n, created: true, got: typeof req.body }));
const url = await app.listen({ port: 0, host: '127.0.0.1' });
await serveUntilShutdown({ url, pid: process.pid }, () => app.close());
