import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

import { toProblem } from './problem.filter.js';
import { PROBLEM_CONTENT_TYPE } from './problem.js';

export interface ClientErrorLogger {
  info(obj: object, msg: string): void;
}

/** Node's codes for a client that went away or was too slow: nothing is written, the socket is closed. */
const SILENT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ERR_HTTP_REQUEST_TIMEOUT']);

/**
 * The raw HTTP/1.1 answer to a request Node's parser refused before any routing (a header line without a colon, a
 * space in the request target, `Content-Length` with `Transfer-Encoding`, a head over the size limit, bytes that are
 * no request line): the problem body of the one error mapping, with a generated request id, then the connection closes.
 */
export function clientErrorResponse(error: unknown, requestId: string): { status: number; code: string; text: string } {
  const { body, headers } = toProblem(error, requestId);
  const json = JSON.stringify(body);
  const lines = [
    `HTTP/1.1 ${body.status} ${STATUS_CODES[body.status] ?? 'Error'}`,
    `content-type: ${PROBLEM_CONTENT_TYPE}`,
    `content-length: ${Buffer.byteLength(json)}`,
    `x-request-id: ${requestId}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    'connection: close',
  ];
  return { status: body.status, code: body.code, text: `${lines.join('\r\n')}\r\n\r\n${json}` };
}

/** Node's `clientError` handler (through Fastify's `clientErrorHandler`). */
export function handleClientError(error: Error & { code?: string }, socket: Duplex, logger: ClientErrorLogger): void {
  if (error.code !== undefined && SILENT_CODES.has(error.code)) {
    socket.destroy();
    return;
  }
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const requestId = randomUUID();
  const { status, code, text } = clientErrorResponse(error, requestId);
  logger.info({ reqId: requestId, status, code, reason: error.code ?? 'unknown' }, 'request refused by the HTTP parser');
  socket.end(text);
}
