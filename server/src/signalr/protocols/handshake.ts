import { messageTooLargeError } from '../errors';
import { RECORD_SEPARATOR, jsonProtocol } from './json';
import { messagePackProtocol } from './msgpack';
import type { HubProtocol, ProtocolName, TransferFormat } from './messages';

export const PROTOCOLS: Readonly<Record<ProtocolName, HubProtocol>> = {
  json: jsonProtocol,
  messagepack: messagePackProtocol,
};

/** The handshake response is always a JSON record, even before a binary protocol takes over. */
export const HANDSHAKE_OK = Buffer.from('{}\x1e', 'utf8');

export function handshakeErrorRecord(error: string): Buffer {
  return Buffer.from(JSON.stringify({ error }) + '\x1e', 'utf8');
}

export type HandshakeResult =
  | { ok: true; protocol: HubProtocol; rest: Buffer }
  /** `error` goes back to the client as `{"error": …}` before the connection closes. */
  | { ok: false; error: string };

/**
 * Reads the client's first record, `{"protocol":"json"|"messagepack","version":1}` + 0x1E, and picks the
 * codec. Bytes after the separator belong to the chosen protocol (`rest`).
 */
export function parseHandshake(
  data: Buffer,
  options: {
    maxMessageBytes: number;
    enabled: readonly ProtocolName[];
    transferFormats: readonly TransferFormat[];
  },
): HandshakeResult {
  const end = data.indexOf(RECORD_SEPARATOR);
  if ((end === -1 ? data.length : end) > options.maxMessageBytes) {
    return { ok: false, error: messageTooLargeError(options.maxMessageBytes) };
  }
  if (end === -1) return { ok: false, error: 'Handshake request is incomplete.' };
  let request: unknown;
  try {
    request = JSON.parse(data.toString('utf8', 0, end));
  } catch {
    return { ok: false, error: 'Handshake request is not valid JSON.' };
  }
  if (typeof request !== 'object' || request === null) {
    return { ok: false, error: 'Invalid handshake request.' };
  }
  const { protocol: name, version } = request as { protocol?: unknown; version?: unknown };
  if (typeof name !== 'string' || typeof version !== 'number') {
    return { ok: false, error: "Handshake request needs a string 'protocol' and a numeric 'version'." };
  }
  const protocol = Object.hasOwn(PROTOCOLS, name) ? PROTOCOLS[name as ProtocolName] : undefined;
  if (!protocol || !options.enabled.includes(protocol.name)) {
    // Quoting the client's protocol name is what ASP.NET does; clamp it so the reply stays small.
    return { ok: false, error: `Requested protocol '${name.slice(0, 64)}' is not available.` };
  }
  if (!protocol.isVersionSupported(version)) {
    return {
      ok: false,
      error: `The server does not support version ${version} of the '${protocol.name}' protocol.`,
    };
  }
  if (!options.transferFormats.includes(protocol.transferFormat)) {
    return {
      ok: false,
      error: `Cannot use the '${protocol.name}' protocol on the current transport. The transport does not support '${protocol.transferFormat}' transfer format.`,
    };
  }
  return { ok: true, protocol, rest: data.subarray(end + 1) };
}
