/**
 * Sound and vibration for escalation alerts, behind a narrow interface (STYLE #5): a short tone made
 * with WebAudio (no audio file, nothing fetched) and `navigator.vibrate` where the platform has it
 * (Android; not iOS). Browsers refuse audio until the person has interacted with the page: the tone
 * then reports `blocked`, and `unlockOnNextGesture` resumes audio on the next tap or key.
 */
export interface AlarmPlatform {
  tone(): Promise<'played' | 'blocked' | 'unsupported'>;
  vibrate(pattern: readonly number[]): boolean;
  /** Calls `onReady` once audio may play: at once if it already may, else after the next tap or key. */
  unlockOnNextGesture(onReady: () => void): void;
}

/** Two short beeps, high then lower: heard over a ward's noise, over before it annoys. */
const TONES_HZ = [880, 660] as const;
const TONE_S = 0.16;
const GAP_S = 0.06;
/** How long a resume may take before audio counts as blocked (a blocked resume never settles). */
const RESUME_WAIT_MS = 300;
export const ALERT_VIBRATION_MS = [200, 100, 200] as const;

let context: AudioContext | null = null;

function audioContext(): AudioContext | null {
  if (typeof window === 'undefined' || typeof window.AudioContext !== 'function') return null;
  context ??= new window.AudioContext();
  return context;
}

async function resume(ctx: AudioContext): Promise<boolean> {
  if (ctx.state === 'running') return true;
  await Promise.race([
    ctx.resume().catch(() => undefined),
    new Promise((resolve) => setTimeout(resolve, RESUME_WAIT_MS)),
  ]);
  return (ctx.state as AudioContextState) === 'running';
}

export const browserAlarm: AlarmPlatform = {
  async tone() {
    const ctx = audioContext();
    if (!ctx) return 'unsupported';
    if (!(await resume(ctx))) return 'blocked';
    let at = ctx.currentTime + 0.02;
    for (const hz of TONES_HZ) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'sine';
      osc.frequency.value = hz;
      // A soft attack and release: a click-free beep.
      gain.gain.setValueAtTime(0, at);
      gain.gain.linearRampToValueAtTime(0.4, at + 0.02);
      gain.gain.linearRampToValueAtTime(0, at + TONE_S);
      osc.connect(gain).connect(ctx.destination);
      osc.start(at);
      osc.stop(at + TONE_S);
      at += TONE_S + GAP_S;
    }
    return 'played';
  },
  vibrate(pattern) {
    if (typeof navigator === 'undefined' || typeof navigator.vibrate !== 'function') return false;
    try {
      return navigator.vibrate([...pattern]);
    } catch {
      return false;
    }
  },
  unlockOnNextGesture(onReady) {
    const ctx = audioContext();
    if (!ctx) return;
    const unlock = () => {
      window.removeEventListener('pointerdown', unlock, true);
      window.removeEventListener('keydown', unlock, true);
      void ctx.resume().then(onReady, () => undefined);
    };
    window.addEventListener('pointerdown', unlock, true);
    window.addEventListener('keydown', unlock, true);
  },
};
