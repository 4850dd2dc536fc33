import type { Authenticator } from '../auth';

/** A shift here is 12 hours (as METRICS.md M2): someone seen within it counts as on shift (HO10). */
export const ON_SHIFT_WINDOW_MS = 12 * 60 * 60 * 1000;

/**
 * When the relay last authenticated each person (a sign-in, a token refresh, any API call or hub
 * connection). Kept in memory: after a restart it fills again as devices reconnect, and nothing here
 * is patient data. Ids only, keyed by tenant + object id like the staff directory.
 */
export class Presence {
  private readonly lastSeen = new Map<string, number>();

  constructor(private readonly now: () => Date) {}

  seen(tenantId: string, id: string): void {
    this.lastSeen.set(key(tenantId, id), this.now().getTime());
  }

  /** Seen within the shift window, or `live` (a hub connection open now). */
  onShift(tenantId: string, id: string, live: boolean): boolean {
    if (live) return true;
    const at = this.lastSeen.get(key(tenantId, id));
    return at !== undefined && this.now().getTime() - at < ON_SHIFT_WINDOW_MS;
  }
}

/** The same authenticator, recording each person it lets in. */
export function withPresence(authenticator: Authenticator, presence: Presence): Authenticator {
  return {
    async authenticate(req, options) {
      const result = await authenticator.authenticate(req, options);
      if (result.ok) presence.seen(result.principal.tenantId, result.principal.id);
      return result;
    },
  };
}

function key(tenantId: string, id: string): string {
  return `${tenantId}\u0000${id}`;
}
