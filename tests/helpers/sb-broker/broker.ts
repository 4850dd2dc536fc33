/**
 * A Service Bus test broker: an AMQP 1.0 server on rhea that speaks enough of the Service Bus dialect
 * for the unmodified `@azure/service-bus` SDK, reached with `UseDevelopmentEmulator=true` on a free
 * loopback port. What it does not emulate is listed in CONTEXT.md next to this file.
 */
import type { AddressInfo, Server, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import {
  acceptedOutcome,
  echoAttach,
  rejectedOutcome,
  sendOn,
  settleSent,
  messagesOfTransfer,
  remoteAttach,
  rhea,
  type AmqpMessage,
  type Connection,
  type Delivery,
  type EventContext,
  type Receiver,
  type Sender,
} from './amqp';
import { MessageEntity, type Consumer, type EntityOptions, type Settlement } from './entity';
import { handleManagement } from './management';
import { SESSION_FILTER, SessionAttaches } from './session-attaches';

/** Standard tier's limit; `createMessageBatch` sizes batches by what the attach says. */
const DEFAULT_MAX_MESSAGE_SIZE_BYTES = 256 * 1024;
/** How often lock expiry is checked: well under the shortest lock a test uses. */
const LOCK_SWEEP_INTERVAL_MS = 25;

export interface QueueOptions extends EntityOptions {
  /** Broker-side duplicate detection on `messageId` within this window; off when absent. */
  duplicateDetectionWindowMs?: number;
}

export interface TopicOptions {
  duplicateDetectionWindowMs?: number;
  subscriptions: Record<string, EntityOptions>;
}

export interface BrokerOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  queues?: Record<string, QueueOptions>;
  topics?: Record<string, TopicOptions>;
  /** The clock for lock expiry and enqueue times. */
  now?: () => number;
  maxMessageSizeBytes?: number;
}

/** What the broker does with messages sent to an entity, for fault injection. */
export type SendFault =
  /** Refuse each transfer with `com.microsoft:server-busy`: nothing is stored. */
  | 'server-busy'
  /** Store each message but hold the acknowledgement until `releaseHeldAcknowledgements()`. */
  | 'hold-acknowledgements';

/** A queue or topic: where sent messages go, with duplicate detection and fault injection. */
class SendTarget {
  duplicatesDropped = 0;
  accepted = 0;
  fault: SendFault | null = null;
  private readonly seen = new Map<string, number>();

  constructor(
    readonly name: string,
    private readonly entities: MessageEntity[],
    private readonly duplicateWindowMs: number | undefined,
    private readonly clock: () => number,
  ) {}

  /** Why a message cannot be stored here, or null: a session-enabled entity needs a sessionId. */
  refusal(message: AmqpMessage): string | null {
    if (typeof message.group_id === 'string' && message.group_id !== '') return null;
    const sessionful = this.entities.find((entity) => entity.requiresSession);
    return sessionful
      ? `The SessionId was not set on a message, and it cannot be sent to ${sessionful.path}, which requires sessions.`
      : null;
  }

  /** Stores one message unless it repeats a messageId inside the duplicate-detection window. */
  store(message: AmqpMessage): void {
    // Service Bus gives every message an id; the SDK's receivers cannot track one without it.
    if (message.message_id === undefined || message.message_id === null) message.message_id = randomUUID();
    this.accepted++;
    if (this.duplicateWindowMs !== undefined) {
      const id = String(message.message_id);
      const now = this.clock();
      const seenAt = this.seen.get(id);
      if (seenAt !== undefined && now - seenAt < this.duplicateWindowMs) {
        this.duplicatesDropped++;
        return;
      }
      this.seen.set(id, now);
    }
    for (const entity of this.entities) entity.enqueue(message);
  }
}

type ReceiverRole =
  { kind: 'cbs' } | { kind: 'management'; entity: MessageEntity } | { kind: 'send'; target: SendTarget };
type SenderRole = { kind: 'reply' } | { kind: 'consume'; entity: MessageEntity };

export class ServiceBusTestBroker {
  readonly port: number;
  /** Audiences of every CBS put-token, in order: which entities clients asked to use. */
  readonly cbsAudiences: string[] = [];
  connectionsAccepted = 0;

  private readonly entities = new Map<string, MessageEntity>();
  private readonly targets = new Map<string, SendTarget>();
  private readonly receiverRoles = new WeakMap<Receiver, ReceiverRole>();
  private readonly senderRoles = new WeakMap<Sender, SenderRole>();
  private readonly deliveries = new WeakMap<Delivery, { entity: MessageEntity; lockToken: string }>();
  private readonly replyLinks = new WeakMap<Connection, Map<string, Sender>>();
  private readonly consumerLinks = new Map<Connection, Set<Sender>>();
  private readonly connections = new Set<Connection>();
  private readonly sockets = new Set<Socket>();
  private readonly heldAcknowledgements: Delivery[] = [];
  private readonly sessionAttaches: SessionAttaches;
  private refusing = false;
  private readonly sweep: NodeJS.Timeout;

  private constructor(
    private readonly server: Server,
    options: BrokerOptions,
    private readonly clock: () => number,
    readonly maxMessageSizeBytes: number,
  ) {
    this.port = (server.address() as AddressInfo).port;
    this.sessionAttaches = new SessionAttaches(
      clock,
      (link, entity, consumer) => this.addConsumerLink(link, entity, consumer),
      (link) => this.connections.has(link.connection),
    );
    for (const [name, queue] of Object.entries(options.queues ?? {})) {
      const entity = this.addEntity(name, queue);
      this.targets.set(key(name), new SendTarget(name, [entity], queue.duplicateDetectionWindowMs, clock));
    }
    for (const [topic, config] of Object.entries(options.topics ?? {})) {
      const subscriptions = Object.entries(config.subscriptions).map(([sub, subOptions]) =>
        this.addEntity(`${topic}/Subscriptions/${sub}`, subOptions),
      );
      this.targets.set(
        key(topic),
        new SendTarget(topic, subscriptions, config.duplicateDetectionWindowMs, clock),
      );
    }
    this.sweep = setInterval(() => {
      for (const entity of this.entities.values()) {
        entity.expireSessions((lock) => this.sessionAttaches.onSessionLost(lock));
        entity.expireLocks();
        // A peer's session window reopens without a link flow, so rhea says nothing: look again.
        if (entity.waiting) entity.schedulePump();
      }
      this.sessionAttaches.sweep();
    }, LOCK_SWEEP_INTERVAL_MS);
    this.sweep.unref();
  }

  static async start(options: BrokerOptions = {}): Promise<ServiceBusTestBroker> {
    const container = rhea.create_container({
      id: 'wardline-sb-test-broker',
      // Every outcome is the broker's decision: a send may be refused, a settlement may find its lock lost.
      autoaccept: false,
      treat_modified_as_released: false,
    });
    container.sasl_server_mechanisms.enable_anonymous();
    const server = container.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 }) as Server;
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    const broker = new ServiceBusTestBroker(
      server,
      options,
      options.now ?? Date.now,
      options.maxMessageSizeBytes ?? DEFAULT_MAX_MESSAGE_SIZE_BYTES,
    );
    broker.wire(container, server);
    return broker;
  }

  /** What a relay or a test client passes to `new ServiceBusClient(…)`. */
  get connectionString(): string {
    return (
      `Endpoint=sb://127.0.0.1:${this.port};SharedAccessKeyName=RootManageSharedAccessKey;` +
      'SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;'
    );
  }

  // --- inspection ----------------------------------------------------------------------------------

  /** A queue, `topic/Subscriptions/sub`, or either's `…/$DeadLetterQueue`. */
  entity(path: string): MessageEntity {
    const entity = this.entities.get(key(path));
    if (!entity) throw new Error(`the test broker has no entity ${path}`);
    return entity;
  }

  deadLetterQueue(path: string): MessageEntity {
    return this.entity(`${path}/$DeadLetterQueue`);
  }

  /** Messages a queue or topic dropped as duplicates of a recent messageId. */
  duplicatesDropped(target: string): number {
    return this.target(target).duplicatesDropped;
  }

  /** Every transfer a queue or topic stored or dropped as a duplicate (not refused ones). */
  sendsAccepted(target: string): number {
    return this.target(target).accepted;
  }

  get openConnections(): number {
    return this.connections.size;
  }

  // --- fault injection -----------------------------------------------------------------------------

  setSendFault(target: string, fault: SendFault | null): void {
    this.target(target).fault = fault;
  }

  releaseHeldAcknowledgements(): void {
    for (const delivery of this.heldAcknowledgements.splice(0)) {
      if (delivery.link.is_open()) delivery.accept();
    }
  }

  /**
   * Ends every client connection: `forced` with an AMQP close frame (`amqp:connection:forced`, what a
   * service upgrade looks like), `abrupt` by destroying the sockets (a network drop).
   */
  dropConnections(how: 'forced' | 'abrupt'): void {
    if (how === 'forced') {
      for (const connection of this.connections) {
        connection.close({
          condition: 'amqp:connection:forced',
          description: 'The test broker closed the connection.',
        });
      }
    } else {
      // rhea notices a peer's end of the socket, not its own: forget the connections here.
      for (const connection of [...this.connections]) this.forget(connection);
      for (const socket of this.sockets) socket.destroy();
    }
  }

  /** While on, every new connection is cut at once: the namespace is unreachable. */
  refuseConnections(refuse: boolean): void {
    this.refusing = refuse;
  }

  async close(): Promise<void> {
    clearInterval(this.sweep);
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // --- wiring --------------------------------------------------------------------------------------

  private addEntity(path: string, options: EntityOptions): MessageEntity {
    const onDelivery = (delivery: Delivery, entity: MessageEntity, lockToken: string) =>
      this.deliveries.set(delivery, { entity, lockToken });
    const deadLetter = new MessageEntity(`${path}/$DeadLetterQueue`, options, this.clock, null, onDelivery);
    const entity = new MessageEntity(path, options, this.clock, deadLetter, onDelivery);
    this.entities.set(key(path), entity);
    this.entities.set(key(deadLetter.path), deadLetter);
    return entity;
  }

  private target(name: string): SendTarget {
    const target = this.targets.get(key(name));
    if (!target) throw new Error(`the test broker has no queue or topic ${name}`);
    return target;
  }

  private wire(container: ReturnType<typeof rhea.create_container>, server: Server): void {
    server.on('connection', (socket: Socket) => {
      if (this.refusing) {
        socket.destroy();
        return;
      }
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });

    container.on('connection_open', (context: EventContext) => {
      this.connectionsAccepted++;
      this.connections.add(context.connection);
    });
    container.on('disconnected', (context: EventContext) => this.forget(context.connection));
    container.on('connection_close', (context: EventContext) => this.forget(context.connection));
    // Errors a client causes (a refused link, a dropped socket) are the test's business, not a crash.
    container.on('error', () => undefined);
    container.on('connection_error', () => undefined);

    container.on('sender_open', (context: EventContext) => this.onClientReceiverAttach(context.sender!));
    container.on('receiver_open', (context: EventContext) => this.onClientSenderAttach(context.receiver!));
    container.on('sender_close', (context: EventContext) => this.onSenderGone(context.sender!));
    container.on('sendable', (context: EventContext) => this.pumpFor(context.sender!));
    container.on('sender_draining', (context: EventContext) => this.pumpFor(context.sender!));
    container.on('message', (context: EventContext) => this.onTransfer(context));
    for (const outcome of ['accepted', 'rejected', 'modified', 'released']) {
      container.on(outcome, (context: EventContext) => this.onClientSettled(context.delivery!));
    }
  }

  /** The client opens a receiving link: a consumer of an entity, or the reply half of `$cbs`/`$management`. */
  private onClientReceiverAttach(link: Sender): void {
    echoAttach(link);
    const attach = remoteAttach(link);
    const address = attach.source?.address ?? '';
    if (address === '$cbs' || address.toLowerCase().endsWith('/$management')) {
      this.senderRoles.set(link, { kind: 'reply' });
      const links = this.replyLinks.get(link.connection) ?? new Map<string, Sender>();
      links.set(link.name, link);
      if (attach.target?.address) links.set(attach.target.address, link);
      this.replyLinks.set(link.connection, links);
      return;
    }
    const entity = this.entities.get(key(address));
    if (!entity) {
      link.close(notFound(address));
      return;
    }
    // rcv-settle-mode "second" is peek-lock; receiveAndDelete attaches with snd-settle-mode "settled".
    const peekLock = attach.snd_settle_mode !== 1;
    if (attach.source?.filter && SESSION_FILTER in attach.source.filter) {
      const requested = attach.source.filter[SESSION_FILTER];
      const sessionId = typeof requested === 'string' ? requested : null;
      return this.sessionAttaches.attach(link, entity, sessionId, peekLock);
    }
    if (entity.requiresSession) {
      link.close({
        condition: 'amqp:not-allowed',
        description: `${entity.path} requires sessions: receive with acceptSession or acceptNextSession.`,
      });
      return;
    }
    this.addConsumerLink(link, entity, { link, peekLock });
  }

  private addConsumerLink(link: Sender, entity: MessageEntity, consumer: Consumer): void {
    this.senderRoles.set(link, { kind: 'consume', entity });
    const links = this.consumerLinks.get(link.connection) ?? new Set<Sender>();
    links.add(link);
    this.consumerLinks.set(link.connection, links);
    entity.addConsumer(consumer);
  }

  /** The client opens a sending link: to a queue or topic, or the request half of `$cbs`/`$management`. */
  private onClientSenderAttach(link: Receiver): void {
    const address = remoteAttach(link).target?.address ?? '';
    if (address === '$cbs') {
      echoAttach(link);
      this.receiverRoles.set(link, { kind: 'cbs' });
      return;
    }
    if (address.toLowerCase().endsWith('/$management')) {
      echoAttach(link);
      const entity = this.entities.get(key(address.slice(0, -'/$management'.length)));
      if (!entity) return link.close(notFound(address));
      this.receiverRoles.set(link, { kind: 'management', entity });
      return;
    }
    echoAttach(link, this.maxMessageSizeBytes);
    const target = this.targets.get(key(address));
    if (!target) return link.close(notFound(address));
    this.receiverRoles.set(link, { kind: 'send', target });
  }

  private onSenderGone(link: Sender): void {
    const role = this.senderRoles.get(link);
    if (role?.kind === 'consume') role.entity.removeConsumer(link);
  }

  /** The connection is gone: its links stop consuming. Their locks stay until they expire. */
  private forget(connection: Connection): void {
    this.connections.delete(connection);
    for (const link of this.consumerLinks.get(connection) ?? []) this.onSenderGone(link);
    this.consumerLinks.delete(connection);
  }

  private pumpFor(link: Sender): void {
    const role = this.senderRoles.get(link);
    if (role?.kind === 'consume') role.entity.schedulePump();
  }

  private onTransfer(context: EventContext): void {
    const link = context.receiver!;
    const delivery = context.delivery!;
    const role = this.receiverRoles.get(link);
    if (!role) return delivery.reject({ condition: 'amqp:not-found', description: 'Unknown link.' });
    const message = context.message as unknown as AmqpMessage;
    switch (role.kind) {
      case 'cbs': {
        this.cbsAudiences.push(String(message.application_properties?.name ?? ''));
        // Tokens are not validated: the SDK's SAS or JWT is taken at its word (see CONTEXT.md).
        this.reply(link.connection, message, { 'status-code': 202, 'status-description': 'Accepted' });
        return delivery.accept();
      }
      case 'management': {
        const answer = handleManagement(role.entity, message);
        const properties: Record<string, unknown> = {
          statusCode: answer.statusCode,
          statusDescription: answer.description,
        };
        if (answer.errorCondition) properties.errorCondition = answer.errorCondition;
        this.reply(link.connection, message, properties, answer.body);
        return delivery.accept();
      }
      case 'send':
        return this.onSend(role.target, delivery, context);
    }
  }

  private onSend(target: SendTarget, delivery: Delivery, context: EventContext): void {
    if (target.fault === 'server-busy') {
      return delivery.reject({
        condition: 'com.microsoft:server-busy',
        description: `The test broker is refusing sends to ${target.name}.`,
      });
    }
    let messages: AmqpMessage[];
    try {
      messages = messagesOfTransfer(context.message, (context as { format?: number }).format);
    } catch (error) {
      return delivery.reject({ condition: 'amqp:decode-error', description: (error as Error).message });
    }
    const refusal = messages.map((message) => target.refusal(message)).find((r) => r !== null);
    if (refusal) return delivery.reject({ condition: 'amqp:not-allowed', description: refusal });
    for (const message of messages) target.store(message);
    if (target.fault === 'hold-acknowledgements') {
      this.heldAcknowledgements.push(delivery);
      return;
    }
    delivery.accept();
  }

  private reply(
    connection: Connection,
    request: AmqpMessage,
    properties: Record<string, unknown>,
    body?: unknown,
  ) {
    const link = this.replyLinks.get(connection)?.get(String(request.reply_to ?? ''));
    if (!link) return;
    sendOn(link, { correlation_id: request.message_id, application_properties: properties, body });
  }

  /**
   * The client settled a message this broker delivered. The broker settles it too, with an outcome that
   * carries no error: echoing the client's dead-letter `rejected` back makes the SDK report a failure.
   */
  private onClientSettled(delivery: Delivery): void {
    const entry = this.deliveries.get(delivery);
    if (!entry) return; // a reply or a receiveAndDelete transfer: nothing to settle
    this.deliveries.delete(delivery);
    const state = delivery.remote_state as OutcomeState | undefined;
    const settlement = settlementOf(state);
    const kept =
      settlement === 'release'
        ? entry.entity.release(entry.lockToken)
        : entry.entity.settle(entry.lockToken, settlement);
    if (kept) settleSent(delivery, acceptedOutcome());
    else this.answerLockLost(delivery);
  }

  private readonly lockLost: Delivery[] = [];

  /**
   * rhea writes the dispositions of one tick as ranges carrying the first one's outcome, without
   * comparing the first two (see server/src/ingest/servicebus-settlement.ts). Service Bus has no such
   * bug, so a lock-lost answer is written alone, one per macrotask, never merged with an "accepted".
   */
  private answerLockLost(delivery: Delivery): void {
    this.lockLost.push(delivery);
    if (this.lockLost.length > 1) return;
    const next = () => {
      const head = this.lockLost.shift();
      if (head) {
        settleSent(
          head,
          rejectedOutcome({
            condition: 'com.microsoft:message-lock-lost',
            description:
              'The lock supplied is invalid. Either the lock expired, or the message has already been removed.',
          }),
        );
      }
      if (this.lockLost.length > 0) setImmediate(next);
    };
    setImmediate(next);
  }
}

interface OutcomeState {
  constructor: { composite_type?: string };
  error?: { condition?: string; info?: Record<string, unknown> };
  undeliverable_here?: boolean;
  message_annotations?: Record<string, unknown>;
}

function settlementOf(state: OutcomeState | undefined): Settlement | 'release' {
  switch (state?.constructor.composite_type) {
    case 'accepted':
      return { kind: 'complete' };
    case 'modified':
      return state.undeliverable_here
        ? { kind: 'defer', properties: state.message_annotations }
        : { kind: 'abandon', properties: state.message_annotations };
    case 'rejected': {
      const { DeadLetterReason, DeadLetterErrorDescription, ...properties } = state.error?.info ?? {};
      return {
        kind: 'dead-letter',
        reason: DeadLetterReason as string | undefined,
        description: DeadLetterErrorDescription as string | undefined,
        properties,
      };
    }
    default:
      return 'release';
  }
}

function notFound(address: string) {
  return {
    condition: 'amqp:not-found',
    description: `The messaging entity '${address}' could not be found (the test broker has no such entity).`,
  };
}

/** Entity names are case-insensitive on Service Bus. */
function key(path: string): string {
  return path.toLowerCase();
}
