export { ServiceBusTestBroker } from './broker';
export type { BrokerOptions, QueueOptions, SendFault, TopicOptions } from './broker';
export type { EntityOptions, EntityStats, MessageEntity, PeekedMessage } from './entity';
