/** Anything that asks "how long ago" or "when next" takes a clock, so tests move time instead of sleeping. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
