import { useSyncExternalStore, type KeyboardEvent } from 'react';
import { EscalationAlertSettings } from '../features/escalations/alert-settings';
import { UpdateAppButton } from './update-prompt';

function subscribeController(onChange: () => void): () => void {
  if (!('serviceWorker' in navigator)) return () => undefined;
  navigator.serviceWorker.addEventListener('controllerchange', onChange);
  return () => navigator.serviceWorker.removeEventListener('controllerchange', onChange);
}

const worksOffline = () => 'serviceWorker' in navigator && navigator.serviceWorker.controller !== null;

/** Whether this device opens without a network, "Update app" and the alert settings. */
export function AboutThisDeviceSection() {
  const offlineReady = useSyncExternalStore(subscribeController, worksOffline, () => false);
  return (
    <section className="device-menu-section" aria-labelledby="about-device-heading">
      <h2 id="about-device-heading">About this device</h2>
      <p>{offlineReady ? 'Opens without a network.' : 'Not yet ready to open without a network.'}</p>
      <UpdateAppButton />
      <EscalationAlertSettings />
    </section>
  );
}

/** Escape closes an open header menu and hands focus back to its button, as a menu is expected to. */
export function closeMenuOnEscape(event: KeyboardEvent<HTMLDetailsElement>) {
  const menu = event.currentTarget;
  if (event.key !== 'Escape' || !menu.open) return;
  menu.open = false;
  menu.querySelector('summary')?.focus();
}

/**
 * A small "About this device" menu in the header (there is no settings page): whether this device can
 * open Wardline without a network, and the manual "Update app". On phones it is part of the person's
 * own menu instead (`PhoneMenu` in shell.tsx).
 */
export function AboutThisDevice() {
  return (
    <details className="device-menu" onKeyDown={closeMenuOnEscape}>
      <summary className="btn btn-header">About</summary>
      <div className="device-menu-panel">
        <AboutThisDeviceSection />
      </div>
    </details>
  );
}
