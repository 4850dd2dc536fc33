import { z } from 'zod';
import { Principal } from '../domain';
import type { TokenSource } from './auth/token-source';

export interface RelayConfig {
  mode: 'development' | 'production';
}

export async function fetchRelayConfig(): Promise<RelayConfig> {
  const res = await fetch('/config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`The relay's configuration is unavailable (${res.status}).`);
  return (await res.json()) as RelayConfig;
}

/** Who the relay says I am now (roles from the token, units from the staff directory). */
export async function fetchMe(tokens: TokenSource): Promise<Principal> {
  const res = await fetch('/api/me', { headers: { authorization: `Bearer ${await tokens.getAccessToken()}` } });
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
