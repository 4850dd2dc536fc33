import { useSyncExternalStore } from 'react';

export type DeviceClass = 'phone' | 'tablet' | 'desktop';

/**
 * Layout classes by viewport width, the same breakpoints as app.css: phones one column, tablets list
 * and detail side by side, desktops a dense table. Width, not user agent: a tablet in split view is a
 * phone-sized window and should get the phone layout.
 */
export const PHONE_MAX_PX = 599;
export const DESKTOP_MIN_PX = 1024;

const PHONE_QUERY = `(max-width: ${PHONE_MAX_PX}px)`;
const DESKTOP_QUERY = `(min-width: ${DESKTOP_MIN_PX}px)`;

function current(): DeviceClass {
  if (window.matchMedia(PHONE_QUERY).matches) return 'phone';
  if (window.matchMedia(DESKTOP_QUERY).matches) return 'desktop';
  return 'tablet';
}

function subscribe(onChange: () => void): () => void {
  const queries = [window.matchMedia(PHONE_QUERY), window.matchMedia(DESKTOP_QUERY)];
  for (const q of queries) q.addEventListener('change', onChange);
  return () => {
    for (const q of queries) q.removeEventListener('change', onChange);
  };
}

export function useDeviceClass(): DeviceClass {
  return useSyncExternalStore(subscribe, current);
}
