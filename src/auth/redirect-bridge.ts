import { broadcastResponseToMainFrame } from '@azure/msal-browser/redirect-bridge';

/**
 * MSAL 5's redirect bridge (`/redirect.html`, the redirect URI registered with the authority). A popup
 * or a silent-renewal iframe hands the authority's answer to the app's page over a BroadcastChannel and
 * closes; a full-page sign-in parks it in sessionStorage and returns to the app with `location.replace`,
 * so the URL that held the code leaves no history entry. Served without COOP (a popup must reach its
 * opener) and framable by the app's own origin only (the relay's CSP for this page).
 */
broadcastResponseToMainFrame().catch(() => {
  // No answer in the URL (a reload, a bookmark): the app's front door is the only sensible place.
  window.location.replace('/');
});
