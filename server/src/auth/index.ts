/**
 * The relay's identity and authorization, as the composition root (server/src/main.ts) uses them.
 * Order at start: config → store → directory → (development: dev issuer + seed) → validator →
 * authenticator → guard → routes → listen → (development: bind the dev validator). See CONTEXT.md.
 */
export {
  assertModeAllowed,
  identityProviderConfigured,
  parseAuthConfig,
  DEFAULT_CLOCK_SKEW_SECONDS,
  type AuthConfig,
  type AuthConfigResult,
  type Env,
  type RelayMode,
} from './config';
export {
  createDeferredValidator,
  createTokenValidator,
  TOKEN_REJECTION_CODES,
  type TokenClaims,
  type TokenRejection,
  type TokenRejectionCode,
  type TokenResult,
  type TokenValidator,
  type TokenValidatorSettings,
} from './tokens';
export {
  createStaffDirectory,
  normalizeUnits,
  type DirectoryOptions,
  type Sighting,
  type StaffDirectory,
  type StaffEntry,
  type UnitsSource,
} from './directory';
export { registerDirectoryRoutes, StaffUpdate, type DirectoryRouteDeps } from './directory-routes';
export {
  createAuthenticator,
  createRequestGuard,
  sendAuthFailure,
  sendForbidden,
  type AuthenticateOptions,
  type Authenticator,
  type AuthFailure,
  type AuthResult,
  type RequestGuard,
} from './authenticate';
export {
  authorize,
  requireRole,
  PERMISSIONS,
  type Permission,
  type PolicyContext,
  type PolicyDecision,
} from './policy';
export {
  createDevIssuer,
  devValidatorSettings,
  loopbackBaseUrl,
  registerDevRoutes,
  DEV_API_CLIENT_ID,
  DEV_API_SCOPE,
  DEV_TOKEN_LIFETIME_SECONDS,
  type DevIssuer,
  type DevToken,
} from './dev-issuer';
export {
  DEMO_STAFF,
  DEMO_UNITS,
  DEV_TENANT_ID,
  findDemoStaff,
  seedDemoDirectory,
  type DemoStaff,
} from './demo-staff';
export { registerMeRoute } from './me-route';
