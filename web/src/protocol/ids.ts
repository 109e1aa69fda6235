// Identifiers the client chooses: request ids (a counter), client_msg_id and the device key.

/** Request ids: unique among a connection's outstanding requests; a counter suffices. */
export class RequestIds {
  private next = 1;
  take(): string {
    const id = this.next;
    this.next = this.next >= Number.MAX_SAFE_INTEGER ? 1 : this.next + 1;
    return String(id);
  }
}

function randomHex(bytes: number): string {
  const buf = new Uint8Array(bytes);
  globalThis.crypto.getRandomValues(buf);
  return Array.from(buf, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A dedupe key for one outgoing message: 128 random bits, well under the 128-byte bound. */
export function newClientMsgId(): string {
  return 'w-' + randomHex(16);
}

/** A device key: generated once per browser and kept with its other state (LoginRequest). */
export function newDeviceKey(): string {
  return 'web-' + randomHex(16);
}
