import { z } from 'zod';
import { Principal } from '../domain/principal';
import type { TokenSource } from './auth/token-source';

/** How the PWA signs people in with MSAL: the relay's `AUTH_SPA_CLIENT_ID`, `AUTH_AUTHORITY`, … */
export const MsalSettings = z.object({
  clientId: z.string().min(1),
  authority: z.url(),
  knownAuthorities: z.array(z.string()),
  protocolMode: z.enum(['AAD', 'OIDC']),
  apiScope: z.string().min(1),
  redirectUri: z.url().optional(),
});
export type MsalSettings = z.infer<typeof MsalSettings>;

/** The relay's `/config.json`: one build serves every hospital. */
export const RelayConfig = z.object({
  mode: z.enum(['development', 'production']),
  /** Minutes without input before patient data is hidden until the same person signs in again. */
  idleLockMinutes: z.number().positive().default(5),
  /** Present when the relay has an identity provider: people sign in with MSAL, never the demo. */
  auth: MsalSettings.optional(),
});
export type RelayConfig = z.infer<typeof RelayConfig>;

const CONFIG_KEY = 'wardline.config';

/**
 * Asks the relay how people sign in. The last answer is kept (it holds no secret and no patient data)
 * so a signed-in device opens offline with the same settings.
 */
export async function fetchRelayConfig(signal?: AbortSignal): Promise<RelayConfig> {
  const res = await fetch('/config.json', { cache: 'no-store', ...(signal ? { signal } : {}) });
  if (!res.ok) throw new Error(`The relay's configuration is unavailable (${res.status}).`);
  const config = RelayConfig.parse(await res.json());
  try {
    localStorage.setItem(CONFIG_KEY, JSON.stringify(config));
  } catch {
    // Storage full or refused: the next start asks the relay again.
  }
  return config;
}

/** The relay's settings as last seen, validated on read; null when never seen or no longer valid. */
export function cachedRelayConfig(): RelayConfig | null {
  try {
    const parsed = RelayConfig.safeParse(JSON.parse(localStorage.getItem(CONFIG_KEY) ?? 'null'));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Who the relay says I am now (roles from the token, units from the staff directory). */
export async function fetchMe(tokens: TokenSource): Promise<Principal> {
  const res = await fetch('/api/me', {
    headers: { authorization: `Bearer ${await tokens.getAccessToken()}` },
  });
  if (!res.ok) throw new Error(`Signing in failed (${res.status}).`);
  return Principal.parse(await res.json());
}

/** One line of a task's audit trail (`GET /api/tasks/:id/history`), as the relay records it. */
export const AuditEntry = z.object({
  seq: z.number().int(),
  /** A short change name: `routed`, `claimed`, `item-done`, `resolved`, … */
  change: z.string(),
  actor: z.object({ id: z.string(), name: z.string() }),
  at: z.string(),
  detail: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

const TaskHistory = z.object({ taskId: z.string(), entries: z.array(AuditEntry) });

/** Who did what to one task, and when: oldest first. Rejects when the task is not the caller's to see. */
export async function fetchTaskHistory(tokens: TokenSource, taskId: string): Promise<AuditEntry[]> {
  const res = await fetch(`/api/tasks/${encodeURIComponent(taskId)}/history`, {
    headers: { authorization: `Bearer ${await tokens.getAccessToken()}` },
    cache: 'no-store',
  });
  if (!res.ok) throw new Error(`The task's history is unavailable (${res.status}).`);
  return TaskHistory.parse(await res.json()).entries;
}
