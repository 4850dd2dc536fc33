/**
 * The relay's composition root: config → store → identity → hub → ingest → http.
 * Everything it wires is in `relay.ts`; this file owns the process: configuration errors, signals,
 * and the demo feed in development mode.
 */
import { Worker } from 'node:worker_threads';
import { loadConfig } from './config';
import { createLogger, errorSummary } from './log';
import { startRelay, type Relay } from './relay';
import { StoreTooNewError, StoreUnavailableError } from './store/database';

async function main(): Promise<void> {
  const loaded = loadConfig(process.env);
  if (!loaded.ok) {
    for (const problem of loaded.problems) console.error(`wardline: ${problem}`);
    process.exitCode = 1;
    return;
  }
  const { config } = loaded;
  // Every line names the relay, from the first (docs/STORE.md CL1).
  const logger = createLogger({ level: config.logLevel }).child({ relayId: config.relayId });

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
    if (stopping) {
      // A second signal: the operator does not want to wait.
      logger.warn({ signal }, 'second signal during shutdown; exiting now');
      relay.forceClose();
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, deadlineMs: config.shutdownDeadlineMs }, 'shutting down');
    // A relay that accepts a phone but fires no escalation is worse than a dead one: whatever the close
    // does, the process is gone by the deadline. First the hammer (every socket cut, exit 1)...
    const deadline = setTimeout(() => {
      logger.error({ deadlineMs: config.shutdownDeadlineMs }, 'shutdown deadline passed; forcing exit');
      relay.forceClose();
      process.exit(1);
    }, config.shutdownDeadlineMs);
    // ...and if even that timer cannot run (the event loop stuck in a loop), a watchdog thread kills it.
    startWatchdog(config.shutdownDeadlineMs + WATCHDOG_EXTRA_MS);
    relay.close().then(
      () => {
        clearTimeout(deadline);
        logger.info({}, 'shut down');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: errorSummary(error) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** Time the deadline's own forced exit gets before the watchdog kills the process outright. */
const WATCHDOG_EXTRA_MS = 2_000;

/**
 * A thread of its own, with its own event loop, so it runs even while the main thread spins; it sends
 * SIGKILL to the whole process after `ms`. Unref'd: a normal exit does not wait for it.
 */
function startWatchdog(ms: number): void {
  const worker = new Worker(`setTimeout(() => process.kill(${process.pid}, 'SIGKILL'), ${Math.ceil(ms)});`, {
    eval: true,
  });
  worker.unref();
}

void main();
