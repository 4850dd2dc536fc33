/**
 * Where access tokens come from, behind one small interface so Entra sign-in (MSAL, docs/IDENTITY.md) plugs in
 * without touching the connection, the sync engine or the views.
 */
export interface TokenSource {
  readonly kind: 'demo' | 'msal';
  /** A valid access token for the relay's API, renewed when close to expiry. Rejects when offline. */
  getAccessToken(): Promise<string>;
  /** Forgets tokens held in memory. */
  forget(): void;
}

/** Renew this long before expiry, so a token never expires between `getAccessToken` and its use. */
const RENEW_BEFORE_MS = 60_000;

/** The development issuer: `POST /dev/token` for one demo staff member. Development mode only. */
export class DemoTokenSource implements TokenSource {
  readonly kind = 'demo' as const;
  private cached: { token: string; expiresAt: number } | null = null;

  constructor(
    readonly staffId: string,
    private readonly baseUrl = '',
  ) {}

  async getAccessToken(): Promise<string> {
    if (this.cached && this.cached.expiresAt - RENEW_BEFORE_MS > Date.now()) return this.cached.token;
    const res = await fetch(`${this.baseUrl}/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ staffId: this.staffId }),
    });
    if (!res.ok) throw new Error(`Sign-in failed (${res.status}).`);
    const body = (await res.json()) as { accessToken: string; expiresAt: string };
    this.cached = { token: body.accessToken, expiresAt: Date.parse(body.expiresAt) };
    return body.accessToken;
  }

  forget(): void {
    this.cached = null;
  }
}

export interface DemoStaffMember {
  id: string;
  name: string;
  role: string;
  units: string[];
}

export async function listDemoStaff(baseUrl = ''): Promise<DemoStaffMember[]> {
  const res = await fetch(`${baseUrl}/dev/staff`);
  if (!res.ok) throw new Error(`The demo staff list is unavailable (${res.status}).`);
  return (await res.json()) as DemoStaffMember[];
}
