// Test doubles: a manual clock, an in-memory localStorage, and a scripted WebSocket.

import type { Clock } from '../src/protocol/clock';
import type { SocketLike } from '../src/protocol/connection';
import type { KeyValueStore } from '../src/protocol/outbox';

export class FakeClock implements Clock {
  time = 1_000_000;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private next = 1;
  now(): number {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.set(id, { at: this.time + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Advances time, firing due timers in order (including ones they set). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let dueId = -1;
      let due = Infinity;
      for (const [id, t] of this.timers) if (t.at <= end && t.at < due) { due = t.at; dueId = id; }
      if (dueId < 0) break;
      const t = this.timers.get(dueId)!;
      this.timers.delete(dueId);
      this.time = Math.max(this.time, t.at);
      t.fn();
    }
    this.time = end;
  }
  pending(): number {
    return this.timers.size;
  }
}

export class MemoryStore implements KeyValueStore {
  data = new Map<string, string>();
  getItem(key: string): string | null {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.data.set(key, value);
  }
  removeItem(key: string): void {
    this.data.delete(key);
  }
}

/** A socket whose peer is the test: it sees what the client sent and pushes frames. */
export class FakeSocket implements SocketLike {
  readyState = 0;
  sent: Array<Record<string, any>> = [];
  closed = false;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  /** Called for every frame the client sends (a scripted server). */
  onSend: ((frame: Record<string, any>) => void) | null = null;
  send(data: string): void {
    const frame = JSON.parse(data);
    this.sent.push(frame);
    this.onSend?.(frame);
  }
  close(): void {
    this.closed = true;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  push(frame: unknown): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  /** The server side goes away. */
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
  last(body: string): Record<string, any> | undefined {
    return [...this.sent].reverse().find((f) => body in f);
  }
}

/** Lets promise callbacks (request answers) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}
