import { beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../domain';
import { useAlerts } from '../state/alert-store';
import type { AlarmPlatform } from './alarm';
import { receiveAlert } from './alerts';

/** A device's speaker and motor, recorded. */
function fakeAlarm(answer: 'played' | 'blocked' | 'unsupported' = 'played') {
  const calls = { tones: 0, vibrations: 0, unlocks: [] as Array<() => void> };
  const alarm: AlarmPlatform = {
    tone: () => {
      calls.tones++;
      return Promise.resolve(answer);
    },
    vibrate: () => {
      calls.vibrations++;
      return true;
    },
    unlockOnNextGesture: (onReady) => calls.unlocks.push(onReady),
  };
  return { alarm, calls };
}

const alert: Alert = {
  id: 'k-high:1',
  taskIds: ['k-high'],
  unit: '4W',
  level: 1,
  repeats: 0,
  targetRole: 'ChargeNurse',
  scope: 'unit',
  priority: 'stat',
  title: 'K+ 6.1 mmol/L',
  bed: '4W-12',
  at: '2026-11-26T10:30:02.000Z',
  nextAt: '2026-11-26T10:40:00.000Z',
};

beforeEach(() => {
  useAlerts.setState({ alerts: [], sound: 'idle', silenced: false });
});

describe('[E6] an alert from the hub', () => {
  it('is kept for the banner and rings once: a tone and a vibration', async () => {
    const { alarm, calls } = fakeAlarm();
    await receiveAlert(alert, alarm);
    expect(useAlerts.getState().alerts).toEqual([alert]);
    expect(calls).toMatchObject({ tones: 1, vibrations: 1 });
    expect(useAlerts.getState().sound).toBe('played');
  });

  it('delivered twice (a reconnect, a second tab’s hub), it rings once', async () => {
    const { alarm, calls } = fakeAlarm();
    await receiveAlert(alert, alarm);
    await receiveAlert({ ...alert }, alarm);
    expect(useAlerts.getState().alerts).toHaveLength(1);
    expect(calls.tones).toBe(1);
  });

  it('a repeat is a new firing and rings again', async () => {
    const { alarm, calls } = fakeAlarm();
    await receiveAlert(alert, alarm);
    await receiveAlert({ ...alert, id: 'k-high:2', level: 2 }, alarm);
    expect(calls.tones).toBe(2);
    expect(useAlerts.getState().alerts.map((a) => a.id)).toEqual(['k-high:2', 'k-high:1']);
  });

  it.each([
    ['no task ids', { ...alert, taskIds: [] }],
    ['no id', { ...alert, id: '' }],
    ['a level 0', { ...alert, level: 0 }],
    ['not an object', 'Level 1 escalation'],
  ])('with %s is ignored, silently', async (_what, raw) => {
    const { alarm, calls } = fakeAlarm();
    await receiveAlert(raw, alarm);
    expect(useAlerts.getState().alerts).toEqual([]);
    expect(calls.tones).toBe(0);
  });

  it('from an older relay without repeats: repeats are 0', async () => {
    const { alarm } = fakeAlarm();
    const { repeats: _left, ...older } = alert;
    await receiveAlert(older, alarm);
    expect(useAlerts.getState().alerts[0]?.repeats).toBe(0);
  });
});

describe('[E7] sound on this device', () => {
  it('silenced here: shown, but no tone and no vibration', async () => {
    useAlerts.setState({ silenced: true });
    const { alarm, calls } = fakeAlarm();
    await receiveAlert(alert, alarm);
    expect(useAlerts.getState().alerts).toHaveLength(1);
    expect(calls).toMatchObject({ tones: 0, vibrations: 0 });
    expect(useAlerts.getState().sound).toBe('silenced');
  });

  it('blocked before a tap: says so, and the next tap lets the next alert be heard', async () => {
    const { alarm, calls } = fakeAlarm('blocked');
    await receiveAlert(alert, alarm);
    await receiveAlert({ ...alert, id: 'other:1', taskIds: ['other'] }, alarm);
    expect(useAlerts.getState().sound).toBe('blocked');
    expect(calls.unlocks).toHaveLength(1); // one listener, not one per alert
    calls.unlocks[0]!();
    expect(useAlerts.getState().sound).toBe('idle');
  });
});
