import type { Clock } from '../escalation/clock';
import type { Logger } from '../log';
import type { StoreEngine } from '../store/engine';
import type { AccessLog } from './access-log';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Once a day is enough for a period counted in years; the first purge runs at start. */
const PURGE_EVERY_MS = DAY_MS;

/**
 * Drops access records older than the retention period (docs/SECURITY.md A6), at start and daily.
 * Only by age: closing, withdrawing or forgetting a task never touches its records. The timer does
 * not hold the process open, and stops by itself once the database is closed.
 */
export function startAccessRetention(
  access: AccessLog,
  db: StoreEngine,
  retentionDays: number,
  clock: Clock,
  logger: Logger,
): void {
  const purge = async () => {
    if (!db.open) return clearInterval(timer);
    try {
      const cutoff = new Date(clock.now().getTime() - retentionDays * DAY_MS);
      const removed = await access.purgeOlderThan(cutoff);
      if (removed > 0) logger.info({ removed, retentionDays }, 'access audit: expired records removed');
    } catch (error) {
      // The database is away for now; the next day's purge catches up. Nothing is lost by waiting.
      logger.warn({ err: (error as Error).message }, 'access audit: purge failed; will try again');
    }
  };
  const timer = setInterval(() => void purge(), PURGE_EVERY_MS);
  timer.unref();
  void purge();
}
