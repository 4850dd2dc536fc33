import { useSyncExternalStore } from 'react';
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
  return (
    <details className="device-menu">
      <summary className="btn btn-header">About</summary>
      <section className="device-menu-panel" aria-labelledby="about-device-heading">
        <h2 id="about-device-heading">About this device</h2>
        <p>{offlineReady ? 'Opens without a network.' : 'Not yet ready to open without a network.'}</p>
        <UpdateAppButton />
      </section>
    </details>
  );
}
