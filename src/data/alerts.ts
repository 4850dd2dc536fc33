import { Alert } from '../domain';
import { useAlerts } from '../state/alert-store';
import { ALERT_VIBRATION_MS, browserAlarm, type AlarmPlatform } from './alarm';

/**
 * The hub's `alert(alert)` [E6]: validated like any relay message, kept in the alert store (the banner
 * shows it while its tasks still escalate), and rung once per firing — sound and vibration unless this
 * device is silenced [E7]. A malformed alert is ignored: the worklist still shows the escalation.
 */
export function receiveAlert(raw: unknown, alarm: AlarmPlatform = browserAlarm): Promise<void> {
  const parsed = Alert.safeParse(raw);
  if (!parsed.success) return Promise.resolve();
  const store = useAlerts.getState();
  if (!store.receive(parsed.data)) return Promise.resolve();
  return ring(alarm);
}

async function ring(alarm: AlarmPlatform): Promise<void> {
  const { silenced, sound: before, setSound } = useAlerts.getState();
  if (silenced) {
    setSound('silenced');
    return;
  }
  alarm.vibrate(ALERT_VIBRATION_MS);
  const sound = await alarm.tone();
  setSound(sound);
  // Autoplay rules: the next tap anywhere lets the following alerts be heard (one listener is enough).
  if (sound === 'blocked' && before !== 'blocked')
    alarm.unlockOnNextGesture(() => useAlerts.getState().setSound('idle'));
}
