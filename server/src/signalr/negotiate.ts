import { randomBytes } from 'node:crypto';
import type { ProtocolName, TransferFormat } from './protocols/messages';
import type { TransportName } from './types';

/** The highest negotiate version this server speaks (ASP.NET's too). */
export const MAX_NEGOTIATE_VERSION = 1;

/** 128 bits: public, only needs to be unique. */
const CONNECTION_ID_BYTES = 16;
/** 256 bits: the secret the client presents as `id=`; base64url because the client does not encode it. */
const CONNECTION_TOKEN_BYTES = 32;

export function newConnectionId(): string {
  return randomBytes(CONNECTION_ID_BYTES).toString('base64url');
}

export function newConnectionToken(): string {
  return randomBytes(CONNECTION_TOKEN_BYTES).toString('base64url');
}

/**
 * What a token prefix may hold: it travels unencoded in `id=` and in a load balancer's rules. `~` ends
 * it: unreserved in URLs, never in a prefix or in base64url, so `<prefix>~` names one prefix only.
 */
const TOKEN_PREFIX = /^[A-Za-z0-9._-]{1,64}$/;
export const TOKEN_PREFIX_END = '~';

/** Tokens with `<prefix>~` in front (a relay's id, for routing behind a load balancer), or plain ones. */
export function tokenMaker(prefix: string | undefined): () => string {
  if (prefix === undefined) return newConnectionToken;
  if (!TOKEN_PREFIX.test(prefix))
    throw new Error(
      `A connection token prefix is letters, digits, '.', '_' and '-' (1–64), not "${prefix}".`,
    );
  return () => `${prefix}${TOKEN_PREFIX_END}${newConnectionToken()}`;
}

/**
 * The version to answer with: absent means 0; below the server's minimum is an error; above the
 * server's maximum gets the maximum (TransportProtocols.md).
 */
export function chooseNegotiateVersion(
  query: URLSearchParams,
  minVersion: number,
): { version: number } | { error: string } {
  const requested = query.get('negotiateVersion');
  let version = 0;
  if (requested !== null) {
    if (!/^\d{1,9}$/.test(requested)) {
      return { error: `The client requested an invalid protocol version '${requested.slice(0, 16)}'` };
    }
    version = Number(requested);
  }
  if (version < minVersion) {
    return {
      error: `The client requested version '${version}', but the server does not support this version.`,
    };
  }
  return { version: Math.min(version, MAX_NEGOTIATE_VERSION) };
}

/** The transfer formats a transport offers, narrowed to what the enabled hub protocols need. */
function transferFormatsOf(transport: TransportName, protocols: readonly ProtocolName[]): TransferFormat[] {
  const wanted: TransferFormat[] = [];
  if (protocols.includes('json')) wanted.push('Text');
  if (protocols.includes('messagepack') && transport !== 'ServerSentEvents') wanted.push('Binary');
  return wanted;
}

export interface NegotiateAnswer {
  connectionId: string;
  connectionToken: string;
  version: number;
  transports: readonly TransportName[];
  protocols: readonly ProtocolName[];
  /** True when the client asked for stateful reconnect, which this server declines. */
  statefulReconnectAsked: boolean;
}

export function negotiateBody(answer: NegotiateAnswer): Record<string, unknown> {
  const availableTransports = answer.transports
    .map((transport) => ({ transport, transferFormats: transferFormatsOf(transport, answer.protocols) }))
    .filter((t) => t.transferFormats.length > 0);
  return {
    negotiateVersion: answer.version,
    connectionId: answer.connectionId,
    // Version 0 clients present connectionId itself; the server then registers the id as the token.
    ...(answer.version >= 1 ? { connectionToken: answer.connectionToken } : {}),
    availableTransports,
    // Only echoed when asked: a client that did not ask refuses any useStatefulReconnect value of true,
    // and false tells one that did ask to go on without it.
    ...(answer.statefulReconnectAsked ? { useStatefulReconnect: false } : {}),
  };
}
