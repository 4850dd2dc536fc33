import { DefaultAzureCredential } from '@azure/identity';
import { RetryMode, ServiceBusClient, type ServiceBusClientOptions } from '@azure/service-bus';
import type { ServiceBusAuth } from './servicebus-config';

/**
 * Retries for every operation on the connection (links, settlement, sends). The SDK's defaults wait a
 * fixed 30 s between attempts; after a broker drop that is 30 s of a ward seeing nothing new. Exponential
 * from half a second reconnects at once when the namespace is back and still backs off when it is not.
 */
const RETRY_OPTIONS: ServiceBusClientOptions['retryOptions'] = {
  mode: RetryMode.Exponential,
  retryDelayInMs: 500,
  maxRetryDelayInMs: 30_000,
  maxRetries: 5,
};

/**
 * One client (one AMQP connection) for the receiver and the publisher. A connection string carries its
 * key; a namespace uses `DefaultAzureCredential`, which is the managed identity when the relay runs in
 * Azure (`AZURE_CLIENT_ID` picks a user-assigned one) and a developer's sign-in elsewhere.
 */
export function createServiceBusClient(auth: ServiceBusAuth): ServiceBusClient {
  const options: ServiceBusClientOptions = { identifier: 'wardline-relay', retryOptions: RETRY_OPTIONS };
  if (auth.kind === 'connection-string') return new ServiceBusClient(auth.connectionString, options);
  return new ServiceBusClient(auth.fullyQualifiedNamespace, new DefaultAzureCredential(), options);
}
