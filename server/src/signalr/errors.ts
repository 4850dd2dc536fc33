/**
 * Throw from a hub method to send `message` to the caller as the completion's error, as is. Any other
 * thrown value becomes ASP.NET's generic "An unexpected error occurred invoking 'X' on the server." so
 * that stack traces and internal details never reach a client.
 */
export class HubError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HubError';
  }
}

/**
 * Malformed input from a client: the connection that sent it is closed with this message. Messages are
 * written by this library and never quote the payload, so they are safe to log and to send back.
 */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/** ASP.NET's wording, so clients (and people reading their logs) see the same text as with a .NET hub. */
export function unexpectedInvocationError(target: string): string {
  return `An unexpected error occurred invoking '${target}' on the server.`;
}

export function unknownMethodError(target: string): string {
  return `Unknown hub method '${target}'`;
}

export function messageTooLargeError(maxBytes: number): string {
  return `Message exceeds the maximum size of ${maxBytes} bytes.`;
}
