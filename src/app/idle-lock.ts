/**
 * The idle lock's two browser-facing parts, behind small functions (STYLE #5): noticing that nobody
 * has touched the device for a while, and remembering across a reload that it is locked (a reload must
 * not be a way round the lock).
 */

/** Input that means "someone is using this device". Pointer moves count, but at most once a second. */
const ACTIVITY_EVENTS = ['pointerdown', 'keydown', 'wheel', 'touchstart', 'scroll'] as const;
const POINTER_MOVE_THROTTLE_MS = 1_000;

/**
 * Calls `onIdle` once after `minutes` without input. A sleeping tablet pauses timers, so the elapsed
 * wall-clock time is also checked when the page becomes visible again. Returns how to stop watching.
 */
export function watchIdle(minutes: number, onIdle: () => void): () => void {
  const idleMs = minutes * 60_000;
  let lastInput = Date.now();
  let fired = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const fire = () => {
    if (fired) return;
    fired = true;
    stop();
    onIdle();
  };
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(fire, Math.max(0, lastInput + idleMs - Date.now()));
  };
  const activity = () => {
    lastInput = Date.now();
    arm();
  };
  const move = () => {
    if (Date.now() - lastInput >= POINTER_MOVE_THROTTLE_MS) activity();
  };
  const visible = () => {
    if (document.visibilityState !== 'visible') return;
    if (Date.now() - lastInput >= idleMs) fire();
    else arm();
  };
  const options = { capture: true, passive: true } as const;
  for (const type of ACTIVITY_EVENTS) window.addEventListener(type, activity, options);
  window.addEventListener('pointermove', move, options);
  document.addEventListener('visibilitychange', visible);
  arm();

  function stop() {
    clearTimeout(timer);
    for (const type of ACTIVITY_EVENTS) window.removeEventListener(type, activity, options);
    window.removeEventListener('pointermove', move, options);
    document.removeEventListener('visibilitychange', visible);
  }
  return stop;
}

const LOCKED_KEY = 'wardline.locked';

/** True when the device was locked and nobody has unlocked it since (this tab or another). */
export function wasLocked(): boolean {
  try {
    return localStorage.getItem(LOCKED_KEY) === '1';
  } catch {
    return false;
  }
}

export function rememberLocked(locked: boolean): void {
  try {
    if (locked) localStorage.setItem(LOCKED_KEY, '1');
    else localStorage.removeItem(LOCKED_KEY);
  } catch {
    // Storage refused: the lock still holds in this page, just not across a reload.
  }
}
