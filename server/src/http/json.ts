import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorCode } from './errors';

export type BodyResult =
  | { ok: true; value: unknown; bytes: number }
  | {
      ok: false;
      code: Extract<ErrorCode, 'invalid' | 'too-large' | 'unsupported-media-type'>;
      reason: string;
    };

/**
 * Reads a JSON body up to `limitBytes`. Over the limit the read stops at once (the rest is drained
 * and discarded) so one oversized request cannot hold memory.
 */
export function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const type = req.headers['content-type'] ?? '';
    if (type && !/^application\/(?:[\w.+-]*\+)?json\b/i.test(type)) {
      req.resume();
      resolve({
        ok: false,
        code: 'unsupported-media-type',
        reason: `The body must be JSON (content-type application/json), not ${type.split(';')[0]}.`,
      });
      return;
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limitBytes) {
      req.resume();
      resolve({
        ok: false,
        code: 'too-large',
        reason: `The body is ${declared} bytes; the limit is ${limitBytes} bytes.`,
      });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limitBytes) {
        done = true;
        chunks.length = 0;
        resolve({
          ok: false,
          code: 'too-large',
          reason: `The body is over the limit of ${limitBytes} bytes.`,
        });
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve({ ok: true, value: JSON.parse(text) as unknown, bytes: size });
      } catch (error) {
        const detail = error instanceof SyntaxError ? error.message : 'unparseable';
        resolve({ ok: false, code: 'invalid', reason: `The body is not valid JSON (${detail}).` });
      }
    });
    req.on('error', () => {
      if (done) return;
      done = true;
      resolve({ ok: false, code: 'invalid', reason: 'The request body could not be read.' });
    });
  });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}
