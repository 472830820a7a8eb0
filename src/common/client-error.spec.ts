import { PassThrough } from 'node:stream';

import { jest } from '@jest/globals';

import { clientErrorResponse, handleClientError } from './client-error.js';

const parserError = (code: string): Error & { code: string } => Object.assign(new Error('Parse Error'), { code });

describe('clientErrorResponse', () => {
  it('should write a complete HTTP/1.1 problem response that closes the connection', () => {
    const { status, code, text } = clientErrorResponse(parserError('HPE_INVALID_HEADER_TOKEN'), 'req-1');
    const [head, body] = text.split('\r\n\r\n');

    expect([status, code]).toEqual([400, 'BAD_REQUEST']);
    expect(head!.split('\r\n')).toEqual([
      'HTTP/1.1 400 Bad Request',
      'content-type: application/problem+json',
      `content-length: ${Buffer.byteLength(body!)}`,
      'x-request-id: req-1',
      'connection: close',
    ]);
    expect(JSON.parse(body!)).toMatchObject({ type: '/problems/bad-request', status: 400, code: 'BAD_REQUEST', requestId: 'req-1' });
  });

  it('should answer an oversized head with 431', () => {
    expect(clientErrorResponse(parserError('HPE_HEADER_OVERFLOW'), 'r').text).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
  });
});

describe('handleClientError', () => {
  const logger = () => ({ info: jest.fn() });

  it('should end the socket with the problem response and log it', () => {
    const socket = new PassThrough();
    let written = '';
    socket.on('data', (chunk: Buffer) => (written += chunk.toString()));
    const log = logger();

    handleClientError(parserError('HPE_UNEXPECTED_CONTENT_LENGTH'), socket, log);

    expect(written).toMatch(/^HTTP\/1\.1 400 /);
    expect(log.info).toHaveBeenCalledWith(expect.objectContaining({ status: 400, code: 'BAD_REQUEST', reason: 'HPE_UNEXPECTED_CONTENT_LENGTH' }), 'request refused by the HTTP parser');
  });

  it.each(['ECONNRESET', 'ERR_HTTP_REQUEST_TIMEOUT'])('should close without an answer on %s', (code) => {
    const socket = new PassThrough();
    const log = logger();

    handleClientError(parserError(code), socket, log);

    expect(socket.destroyed).toBe(true);
    expect(log.info).not.toHaveBeenCalled();
  });
});
