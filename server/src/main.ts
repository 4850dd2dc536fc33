/**
 * The relay's composition root: config → store → identity → hub → ingest → http.
 * Everything it wires is in `relay.ts`; this file owns the process: configuration errors, signals,
 * and the demo feed in development mode.
 */
import { loadConfig } from './config';
import { createLogger } from './log';
import { errorSummary, startRelay, type Relay } from './relay';
import { StoreTooNewError, StoreUnavailableError } from './store/database';

async function main(): Promise<void> {
  const loaded = loadConfig(process.env);
  if (!loaded.ok) {
    for (const problem of loaded.problems) console.error(`wardline: ${problem}`);
    process.exitCode = 1;
    return;
  }
  const { config } = loaded;
  const logger = createLogger({ level: config.logLevel });

  process.on('uncaughtException', (error) => {
    logger.fatal({ err: errorSummary(error) }, 'uncaught exception; exiting');
    process.exit(1);
  });
  process.on('unhandledRejection', (error) => {
    logger.fatal({ err: errorSummary(error) }, 'unhandled rejection; exiting');
    process.exit(1);
  });

  let relay: Relay;
  try {
    relay = await startStoreFirst();
  } catch (error) {
    // The store refused us at start (unreachable, wrong password, a newer schema): one sentence, exit 1.
    if (error instanceof StoreUnavailableError || error instanceof StoreTooNewError) {
      console.error(`wardline: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }

  function startStoreFirst(): Promise<Relay> {
    return startRelay(config, {
      logger,
      // The demo hospital is loaded only when it runs: production never imports code that invents patients.
      onListening: config.demoFeed
        ? async (_relay, ingest) => {
            const { startDemoFeed } = await import('./demo/start');
            return startDemoFeed({
              seed: config.demoSeed,
              ratePerMinute: config.demoRatePerMinute,
              timeZone: config.timeZone,
              ingest,
              logger,
            });
          }
        : undefined,
    });
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    relay.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: errorSummary(error) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

void main();
