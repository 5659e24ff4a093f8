/** A few at a time, the rest in order; past the waiting limit a task is refused at once. */
import { describe, expect, it } from 'vitest';
import { QueueFullError, Semaphore } from '../src/semaphore.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('Semaphore', () => {
  it('runs at most `size` at once, the others in the order they came, and refuses past `maxWaiting`', async () => {
    const slots = new Semaphore(2, 2);
    const gates = Array.from({ length: 4 }, gate);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const runs = gates.map((g, i) =>
      slots.run(async () => {
        started.push(i);
        most = Math.max(most, ++running);
        await g.opened;
        running--;
        return i;
      }),
    );
    await expect(slots.run(async () => 99)).rejects.toBeInstanceOf(QueueFullError);
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    gates[1]!.open();
    gates[0]!.open();
    gates[3]!.open();
    gates[2]!.open();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect(started).toEqual([0, 1, 2, 3]);
    expect(most).toBe(2);
    // Free again: a new task runs at once.
    expect(await slots.run(async () => 'again')).toBe('again');
  });

  it('a task that fails frees its slot', async () => {
    const slots = new Semaphore(1);
    await expect(slots.run(async () => Promise.reject(new Error('broken')))).rejects.toThrow('broken');
    expect(await slots.run(async () => 'next')).toBe('next');
  });
});
