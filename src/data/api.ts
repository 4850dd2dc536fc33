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
