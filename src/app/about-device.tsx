import { useRef, useSyncExternalStore, type KeyboardEvent } from 'react';
import { EscalationAlertSettings } from '../features/escalations/alert-settings';
import { UpdateAppButton } from './update-prompt';

function subscribeController(onChange: () => void): () => void {
  if (!('serviceWorker' in navigator)) return () => undefined;
  navigator.serviceWorker.addEventListener('controllerchange', onChange);
  return () => navigator.serviceWorker.removeEventListener('controllerchange', onChange);
}

const worksOffline = () => 'serviceWorker' in navigator && navigator.serviceWorker.controller !== null;

/**
 * A small "About this device" menu in the header (there is no settings page): whether this device can
 * open Wardline without a network, and the manual "Update app".
 */
export function AboutThisDevice() {
  const offlineReady = useSyncExternalStore(subscribeController, worksOffline, () => false);
  const menu = useRef<HTMLDetailsElement>(null);
  // Escape closes the open menu and hands focus back to its button, as a menu is expected to.
  const closeOnEscape = (event: KeyboardEvent) => {
    if (event.key !== 'Escape' || !menu.current?.open) return;
    menu.current.open = false;
    menu.current.querySelector('summary')?.focus();
  };
  return (
    <details className="device-menu" ref={menu} onKeyDown={closeOnEscape}>
      <summary className="btn btn-header">About</summary>
      <section className="device-menu-panel" aria-labelledby="about-device-heading">
        <h2 id="about-device-heading">About this device</h2>
        <p>{offlineReady ? 'Opens without a network.' : 'Not yet ready to open without a network.'}</p>
        <UpdateAppButton />
        <EscalationAlertSettings />
      </section>
    </details>
  );
}
