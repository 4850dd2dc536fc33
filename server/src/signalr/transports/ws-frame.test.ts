import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { SharedRecord, websocketFrame } from './ws-frame';

/** ws's frame builder (not in its typings); the same module ws sends with. */
const Sender = (createRequire(import.meta.url)('ws') as { Sender: unknown }).Sender;

/** What ws itself writes for one unmasked, uncompressed, final frame. */
function framedByWs(payload: Buffer, binary: boolean): Buffer {
  const frame = (
    Sender as unknown as { frame(data: Buffer, options: Record<string, unknown>): Buffer[] }
  ).frame(payload, { fin: true, opcode: binary ? 2 : 1, mask: false, readOnly: false, rsv1: false });
  return Buffer.concat(frame);
}

describe('a broadcast frame built once', () => {
  it.each([0, 1, 125, 126, 65_535, 65_536, 200_000])(
    'is byte for byte what ws writes, for a %i-byte record, text and binary',
    (length) => {
      const payload = Buffer.alloc(length, 0x61);
      for (const binary of [false, true]) {
        expect(websocketFrame(payload, binary).equals(framedByWs(payload, binary))).toBe(true);
      }
    },
  );

  it('is built once per frame type and shared by every recipient', () => {
    const record = new SharedRecord(Buffer.from('{"type":1}\u001e'));
    expect(record.websocketFrame(false)).toBe(record.websocketFrame(false));
    expect(record.websocketFrame(true)[0]).toBe(0x82);
    expect(record.websocketFrame(false)[0]).toBe(0x81);
  });
});
