/**
 * Write coalescing per event-loop tick. The first write of a tick goes out at once; further writes to
 * the same connection in that tick are held and leave together when the tick ends. A burst of N
 * broadcasts then costs one socket write per connection instead of N: at 10,000 connections the
 * write system calls, not the JavaScript, dominate the fan-out.
 */
export interface TickBatched {
  flushTick(): void;
}

let wrote: TickBatched[] = [];
let scheduled = false;

function flushAll(): void {
  scheduled = false;
  const batch = wrote;
  wrote = [];
  for (const sink of batch) sink.flushTick();
}

/** Registers a sink that wrote in this tick; its flushTick runs once, at the end of the tick. */
export function wroteThisTick(sink: TickBatched): void {
  wrote.push(sink);
  if (!scheduled) {
    scheduled = true;
    process.nextTick(flushAll);
  }
}
