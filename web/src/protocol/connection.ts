// One logical connection to parleyd over JSON-over-WebSocket: hello, request/answer matching,
// heartbeat pings, Goodbye, and reconnecting with backoff. Knows nothing of chats (see sync.ts).

import type { Clock } from './clock';
import { RequestIds } from './ids';
import { ProtocolError, type ErrorCode, type HelloOk, type RequestBody, type ServerFrame } from './types';

/** The part of the browser's WebSocket this module uses (a fake in unit tests). */
export interface SocketLike {
  readonly readyState: number; // 1 = OPEN
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export type ConnectionState =
  | { kind: 'connecting'; attempt: number }
  | { kind: 'open' } // hello answered; the session layer authenticates
  | { kind: 'offline'; retryAt: number; reason: string }
  | { kind: 'stopped' };

export interface ConnectionOptions {
  url: string;
  clock: Clock;
  openSocket: (url: string) => SocketLike;
  clientName?: string;
  heartbeatMs?: number; // wished interval; the server clamps it
  requestTimeoutMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  random?: () => number; // jitter source, [0, 1)
}

export interface ConnectionHandlers {
  /** Hello was answered: authenticate, sync. Runs once per (re)connect. */
  onOpen(hello: HelloOk): void;
  /** A pushed frame (no id): message, user_update, presence, typing, read. */
  onEvent(frame: ServerFrame): void;
  onState(state: ConnectionState): void;
  /** The server's last word before closing (TOKEN_INVALID, SHUTTING_DOWN, ...). */
  onGoodbye?(reason: ErrorCode, message: string): void;
}

interface Pending {
  resolve(frame: ServerFrame): void;
  reject(error: ProtocolError): void;
  timer: unknown;
}

export class Connection {
  private socket: SocketLike | null = null;
  private readonly ids = new RequestIds();
  private pending = new Map<string, Pending>();
  private attempt = 0;
  private retryTimer: unknown = null;
  private heartbeatTimer: unknown = null;
  private heartbeatMs = 30_000;
  private lastSentAt = 0;
  private helloDone = false;
  private stateValue: ConnectionState = { kind: 'stopped' };
  hello: HelloOk | null = null;

  constructor(private readonly options: ConnectionOptions, private readonly handlers: ConnectionHandlers) {}

  get state(): ConnectionState {
    return this.stateValue;
  }

  /** Starts connecting (and keeps reconnecting until stop()). */
  start(): void {
    if (this.socket || this.stateValue.kind === 'connecting') return;
    this.clearRetry();
    this.open();
  }

  /** Closes for good: no reconnect until start() again. */
  stop(): void {
    this.clearRetry();
    this.setState({ kind: 'stopped' });
    this.drop('stopped', false);
  }

  /** Skips the rest of the backoff wait (a "retry now" button, the browser coming online). */
  retryNow(): void {
    if (this.stateValue.kind !== 'offline') return;
    this.clearRetry();
    this.open();
  }

  /** True once hello was answered on the current socket. */
  get isOpen(): boolean {
    return this.helloDone && this.socket !== null;
  }

  /**
   * Sends a request and resolves with the answering frame; rejects with ProtocolError for an
   * `error` answer, a timeout, or the connection closing first.
   */
  request(body: RequestBody, timeoutMs = this.options.requestTimeoutMs ?? 15_000): Promise<ServerFrame> {
    return new Promise((resolve, reject) => {
      if (!this.socket || !this.helloDone) {
        reject(new ProtocolError('DISCONNECTED', 'not connected'));
        return;
      }
      const id = this.ids.take();
      const timer = this.options.clock.setTimeout(() => {
        this.pending.delete(id);
        reject(new ProtocolError('TIMEOUT', 'no answer in time'));
        // No answer at all means the connection is probably dead: start over.
        this.drop('request timed out', true);
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.write({ id, ...body });
    });
  }

  /** Sends a frame that gets no answer (delivery_ack). Dropped silently when offline. */
  notify(body: RequestBody): void {
    if (this.socket && this.helloDone) this.write(body);
  }

  private write(frame: Record<string, unknown>): void {
    if (!this.socket) return;
    try {
      this.socket.send(JSON.stringify(frame));
      this.lastSentAt = this.options.clock.now();
    } catch {
      this.drop('send failed', true);
    }
  }

  private open(): void {
    this.attempt += 1;
    this.helloDone = false;
    this.setState({ kind: 'connecting', attempt: this.attempt });
    let socket: SocketLike;
    try {
      socket = this.options.openSocket(this.options.url);
    } catch {
      this.scheduleRetry('cannot open a WebSocket');
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      // The first frame is text, so everything the server sends on this socket is JSON.
      const id = this.ids.take();
      const timer = this.options.clock.setTimeout(() => this.drop('no hello answer', true),
        this.options.requestTimeoutMs ?? 15_000);
      this.pending.set(id, {
        resolve: (frame) => this.onHello(frame.hello_ok ?? {}),
        reject: () => {},
        timer,
      });
      this.write({
        id,
        hello: {
          min_version: 1,
          max_version: 1,
          client_name: this.options.clientName ?? 'parley-web/0.1',
          heartbeat_interval_ms: this.options.heartbeatMs ?? 30_000,
        },
      });
    };
    socket.onmessage = (ev) => {
      if (this.socket !== socket) return;
      if (typeof ev.data !== 'string') return; // binary frames only before our hello (known gap)
      let frame: ServerFrame;
      try {
        frame = JSON.parse(ev.data) as ServerFrame;
      } catch {
        return;
      }
      this.onFrame(frame);
    };
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.drop(ev.reason || `closed (${ev.code})`, true);
    };
    socket.onerror = () => {
      /* onclose follows */
    };
  }

  private onHello(hello: HelloOk): void {
    this.helloDone = true;
    this.hello = hello;
    this.attempt = 0;
    this.heartbeatMs = Math.max(1000, hello.heartbeat_interval_ms ?? 30_000);
    this.armHeartbeat();
    this.setState({ kind: 'open' });
    this.handlers.onOpen(hello);
  }

  private onFrame(frame: ServerFrame): void {
    if (frame.id && frame.id !== '0') {
      const waiting = this.pending.get(frame.id);
      if (!waiting) return; // a late answer to a request that timed out
      this.pending.delete(frame.id);
      this.options.clock.clearTimeout(waiting.timer);
      if (frame.error) {
        waiting.reject(new ProtocolError(frame.error.code ?? 'INTERNAL', frame.error.message ?? ''));
      } else {
        waiting.resolve(frame);
      }
      return;
    }
    if (frame.goodbye) {
      const reason = frame.goodbye.reason ?? 'INTERNAL';
      this.handlers.onGoodbye?.(reason, frame.goodbye.message ?? '');
      this.drop(`server said goodbye: ${reason}`, reason !== 'TOKEN_INVALID');
      return;
    }
    if (frame.error) {
      // BAD_FRAME arrives with id 0: no request to blame. Nothing this client sends should cause it.
      console.warn('parley: server error without a request id', frame.error);
      return;
    }
    this.handlers.onEvent(frame);
  }

  private armHeartbeat(): void {
    this.options.clock.clearTimeout(this.heartbeatTimer);
    // Check a few times per interval so some frame always goes out within it.
    const tick = Math.max(250, Math.floor(this.heartbeatMs / 4));
    this.heartbeatTimer = this.options.clock.setTimeout(() => {
      if (!this.isOpen) return;
      if (this.options.clock.now() - this.lastSentAt >= this.heartbeatMs / 2) {
        this.request({ ping: {} }, this.heartbeatMs).catch(() => {});
      }
      this.armHeartbeat();
    }, tick);
  }

  private drop(reason: string, reconnect: boolean): void {
    const socket = this.socket;
    this.socket = null;
    this.helloDone = false;
    this.options.clock.clearTimeout(this.heartbeatTimer);
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
      try {
        socket.close(1000);
      } catch {
        /* already closed */
      }
    }
    const pending = this.pending;
    this.pending = new Map();
    for (const p of pending.values()) {
      this.options.clock.clearTimeout(p.timer);
      p.reject(new ProtocolError('DISCONNECTED', reason));
    }
    if (reconnect && this.stateValue.kind !== 'stopped') this.scheduleRetry(reason);
    else if (!reconnect && this.stateValue.kind !== 'stopped') this.setState({ kind: 'stopped' });
  }

  /** Exponential backoff with jitter: base, 2 base, 4 base, ... capped. */
  backoffDelay(attempt: number): number {
    const base = this.options.backoffBaseMs ?? 500;
    const max = this.options.backoffMaxMs ?? 10_000;
    const raw = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
    const jitter = 0.5 + 0.5 * (this.options.random ?? Math.random)();
    return Math.round(raw * jitter);
  }

  private scheduleRetry(reason: string): void {
    if (this.stateValue.kind === 'stopped') return;
    this.clearRetry();
    const delay = this.backoffDelay(this.attempt);
    this.setState({ kind: 'offline', retryAt: this.options.clock.now() + delay, reason });
    this.retryTimer = this.options.clock.setTimeout(() => {
      this.retryTimer = null;
      this.open();
    }, delay);
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) this.options.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private setState(state: ConnectionState): void {
    this.stateValue = state;
    this.handlers.onState(state);
  }

  /** Closes the socket as if the network failed (tests, "reconnect" button). */
  interrupt(reason = 'interrupted'): void {
    this.drop(reason, true);
  }
}
