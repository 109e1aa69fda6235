// Text helpers the server's bounds need: UTF-8 byte length, and safe link splitting.

const encoder = new TextEncoder();

/** Bytes of `text` in UTF-8, the unit of max_message_bytes. */
export function utf8Bytes(text: string): number {
  return encoder.encode(text).length;
}

export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;

/** Normalises a URL when it is plain http(s); null for anything else (javascript:, data:, ...). */
export function safeHref(candidate: string): string | null {
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  return url.href;
}

/**
 * Splits message text into plain text and http(s) links, for rendering as text nodes and
 * anchors (never as HTML). Trailing punctuation stays outside the link.
 */
export function splitLinks(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    let raw = match[0];
    while (/[.,;:!?)\]}]$/.test(raw)) raw = raw.slice(0, -1);
    const start = match.index ?? 0;
    const href = safeHref(raw);
    if (!href || raw.length === 0) continue;
    if (start > last) parts.push({ kind: 'text', text: text.slice(last, start) });
    parts.push({ kind: 'link', text: raw, href });
    last = start + raw.length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}

/** Up to two initials for a read marker: "alice" -> "A", "bob.smith" -> "BS". */
export function initials(name: string): string {
  const words = name.split(/[._\-\s]+/).filter(Boolean);
  const letters = (words.length > 1 ? [words[0], words[1]] : [name]).map((w) => [...w][0] ?? '');
  return letters.join('').toUpperCase();
}
