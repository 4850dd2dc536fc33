import type { Logger } from '../log';
import type { Connection } from './connection';
import { HubError, unexpectedInvocationError, unknownMethodError } from './errors';
import { MessageType, type InvocationMessage, type StreamInvocationMessage } from './protocols/messages';
import type { HubDefinition, HubMethod, SignalRServer } from './types';

const STREAMING_UNSUPPORTED = 'Streaming hub methods are not supported by this server.';
const UPLOAD_STREAMING_UNSUPPORTED = 'Client-to-server streaming is not supported by this server.';

interface RegisteredMethod<P> {
  name: string;
  run: HubMethod<P>;
}

/** Runs hub methods for invocations and answers with completions. */
export class HubDispatcher<P> {
  private readonly methods = new Map<string, RegisteredMethod<P>>();

  constructor(
    hub: HubDefinition<P>,
    private readonly server: SignalRServer<P>,
    private readonly logger: Logger,
  ) {
    for (const [name, run] of Object.entries(hub.methods)) {
      // ASP.NET matches method names ignoring case; two names that collide would be ambiguous.
      const key = name.toLowerCase();
      if (this.methods.has(key)) {
        throw new Error(`signalr: hub methods '${name}' and another differ only in case.`);
      }
      this.methods.set(key, { name, run });
    }
  }

  async invoke(connection: Connection<P>, message: InvocationMessage): Promise<void> {
    const { invocationId, target } = message;
    const method = this.methods.get(target.toLowerCase());
    if (!method) {
      // As ASP.NET: an error completion when one is owed, silence for fire-and-forget calls.
      this.logger.debug({ connectionId: connection.id }, 'signalr: invocation of an unknown hub method');
      if (invocationId !== undefined) this.fail(connection, invocationId, target, unknownMethodError(target));
      return;
    }
    if (message.streamIds !== undefined && message.streamIds.length > 0) {
      if (invocationId !== undefined) {
        this.fail(connection, invocationId, target, UPLOAD_STREAMING_UNSUPPORTED);
      }
      return;
    }
    let result: unknown;
    try {
      result = await method.run(
        { connection, server: this.server, invocationId, method: method.name },
        ...message.arguments,
      );
    } catch (err) {
      if (err instanceof HubError) {
        this.logger.debug(
          { connectionId: connection.id, method: method.name },
          'signalr: hub method refused',
        );
      } else {
        this.logger.error(
          { err, connectionId: connection.id, method: method.name },
          'signalr: hub method threw',
        );
      }
      if (invocationId !== undefined) {
        this.fail(
          connection,
          invocationId,
          target,
          err instanceof HubError ? err.message : unexpectedInvocationError(target),
        );
      }
      return;
    }
    if (invocationId === undefined) return;
    connection.sendCompletion(
      result === undefined
        ? { type: MessageType.Completion, invocationId, outcome: 'void' }
        : { type: MessageType.Completion, invocationId, outcome: 'result', result },
      target,
      unexpectedInvocationError(target),
    );
  }

  /** Server-to-client streams are not offered: answer at once so the client's stream errors cleanly. */
  async invokeStream(connection: Connection<P>, message: StreamInvocationMessage): Promise<void> {
    this.fail(connection, message.invocationId, message.target, STREAMING_UNSUPPORTED);
  }

  private fail(connection: Connection<P>, invocationId: string, target: string, error: string): void {
    connection.sendCompletion(
      { type: MessageType.Completion, invocationId, outcome: 'error', error },
      target,
      unexpectedInvocationError(target),
    );
  }
}
