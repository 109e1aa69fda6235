// Applies a gap-free log (a conversation's seq, the user's user_seq) exactly once and in order:
// drops what is already held, holds back what arrives ahead of a gap until the gap is filled.

export interface Offered<T> {
  /** Entries now applicable, in seq order (the offered one and any it unblocked). */
  ready: T[];
  /** The entry was already held (a resent event, or history overlapping a live event). */
  duplicate: boolean;
  /** Entries above held+1 are waiting: fetch the log after `held` to fill the gap. */
  gap: boolean;
}

/** Entries held back ahead of a gap, at most; beyond that the newest are dropped (refetched). */
export const MAX_AHEAD = 1000;

export class Sequencer<T> {
  private ahead = new Map<number, T>();

  /** `held`: every seq up to it has been applied (0 = nothing yet). */
  constructor(public held = 0, private readonly maxAhead = MAX_AHEAD) {}

  offer(seq: number, item: T): Offered<T> {
    if (seq <= this.held || this.ahead.has(seq)) {
      return { ready: [], duplicate: true, gap: this.ahead.size > 0 };
    }
    if (seq > this.held + 1) {
      if (this.ahead.size < this.maxAhead) this.ahead.set(seq, item);
      return { ready: [], duplicate: false, gap: true };
    }
    const ready = [item];
    this.held = seq;
    for (let next = this.ahead.get(this.held + 1); next !== undefined; next = this.ahead.get(this.held + 1)) {
      this.ahead.delete(this.held + 1);
      this.held += 1;
      ready.push(next);
    }
    return { ready, duplicate: false, gap: this.ahead.size > 0 };
  }

  /** Whether entries are waiting behind a gap. */
  get hasGap(): boolean {
    return this.ahead.size > 0;
  }

  /** The highest seq seen, held or waiting. */
  get highestSeen(): number {
    let high = this.held;
    for (const seq of this.ahead.keys()) high = Math.max(high, seq);
    return high;
  }

  /**
   * Jumps to `held` without applying what lies between (a conversation whose older entries the
   * client does not keep); waiting entries at or below it are dropped, the rest may now apply.
   */
  skipTo(held: number): T[] {
    if (held <= this.held) return [];
    this.held = held;
    for (const seq of [...this.ahead.keys()]) if (seq <= held) this.ahead.delete(seq);
    const ready: T[] = [];
    for (let next = this.ahead.get(this.held + 1); next !== undefined; next = this.ahead.get(this.held + 1)) {
      this.ahead.delete(this.held + 1);
      this.held += 1;
      ready.push(next);
    }
    return ready;
  }
}
