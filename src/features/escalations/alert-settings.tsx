import { useEffect, useState } from 'react';
import { useSession } from '../../app/session';
import { browserPushPlatform, subscribeToPush, unsubscribeFromPush } from '../../data/push';
import { useAlerts } from '../../state/alert-store';

type PushState = 'checking' | 'unsupported' | 'off' | 'on' | 'working';

/** Whether this browser holds a push subscription (made by this app's worker) right now. */
async function currentPushState(): Promise<PushState> {
  const manager = await browserPushPlatform.pushManager().catch(() => null);
  if (!manager) return 'unsupported';
  return (await manager.getSubscription().catch(() => null)) ? 'on' : 'off';
}

/**
 * Escalation alerts on this device, in the About menu [E7, E9]: silence the alert sound and vibration
 * here (a device setting), and get alerts by push when Wardline is closed. The browser asks for the
 * notification permission only from a tap, so subscribing is a button, never automatic.
 */
export function EscalationAlertSettings() {
  const silenced = useAlerts((s) => s.silenced);
  const setSilenced = useAlerts((s) => s.setSilenced);
  return (
    <div className="alert-settings">
      <h3>Escalation alerts</h3>
      <button type="button" className="btn" aria-pressed={!silenced} onClick={() => setSilenced(!silenced)}>
        Alert sound and vibration: {silenced ? 'off' : 'on'}
      </button>
      <PushSetting />
    </div>
  );
}

function PushSetting() {
  const { tokens } = useSession();
  const [state, setState] = useState<PushState>('checking');
  const [message, setMessage] = useState('');

  useEffect(() => {
    let cancelled = false;
    void currentPushState().then((s) => !cancelled && setState(s));
    return () => {
      cancelled = true;
    };
  }, []);

  const turnOn = async () => {
    setState('working');
    setMessage('');
    const result = await subscribeToPush(tokens);
    if (result.subscribed) {
      setState('on');
      setMessage('This device will get escalation alerts, even with Wardline closed.');
    } else {
      setState(result.reason === 'unsupported' ? 'unsupported' : 'off');
      setMessage(result.message);
    }
  };
  const turnOff = async () => {
    setState('working');
    const told = await unsubscribeFromPush(tokens);
    setState('off');
    setMessage(told ? 'Alerts no longer come to this device.' : 'Alerts are off in this browser.');
  };

  return (
    <div className="push-setting">
      <p className="muted">
        {state === 'on'
          ? 'This device gets escalation alerts when Wardline is closed.'
          : state === 'unsupported'
            ? 'This browser cannot get alerts when Wardline is closed.'
            : 'Alerts reach this device only while Wardline is open.'}
      </p>
      {state === 'on' ? (
        <button type="button" className="btn" onClick={() => void turnOff()}>
          Stop escalation alerts on this device
        </button>
      ) : (
        state !== 'unsupported' && (
          <button
            type="button"
            className="btn"
            disabled={state === 'checking' || state === 'working'}
            onClick={() => void turnOn()}
          >
            Get escalation alerts on this device
          </button>
        )
      )}
      <p className="push-answer" role="status">
        {message}
      </p>
    </div>
  );
}
