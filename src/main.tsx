import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { registerServiceWorker, watchForStaleChunks } from './app/app-update';
import './app/app.css';

watchForStaleChunks();
// Production builds only: in development Vite serves modules that a worker's precache would pin.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  // After the first screen has what it needs: the worker's precache downloads the rest of the shell.
  const register = () =>
    registerServiceWorker().catch((error: unknown) => console.warn('Offline support is unavailable.', error));
  if (document.readyState === 'complete') void register();
  else window.addEventListener('load', () => void register(), { once: true });
}

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
