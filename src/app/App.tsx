import { useEffect, useState } from 'react';

interface Readiness {
  status: string;
}

/**
 * The app shell. The worklist screens arrive with the PWA issue (#5); until then this page shows that
 * the relay is up, so `npm start` gives a newcomer something true to look at.
 */
export function App() {
  const [ready, setReady] = useState<string>('checking…');
  useEffect(() => {
    fetch('/readyz')
      .then((res) => res.json() as Promise<Readiness>)
      .then((body) => setReady(body.status))
      .catch(() => setReady('unreachable'));
  }, []);
  return (
    <main className="shell">
      <h1>Wardline</h1>
      <p>The ward's task and exception worklist.</p>
      <p>
        Relay: <strong>{ready}</strong>
      </p>
      <p>The worklist screens for nurses, coordinators and charge nurses are being built (issue #5).</p>
    </main>
  );
}
