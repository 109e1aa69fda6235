// Message text as text nodes and safe links: never HTML, only http(s) hrefs.

import { splitLinks } from '../protocol/text';

export function MessageText({ text }: { text: string }) {
  return (
    <span class="text">
      {splitLinks(text).map((part, i) =>
        part.kind === 'link' ? (
          <a key={i} href={part.href} target="_blank" rel="noopener noreferrer">{part.text}</a>
        ) : (
          <span key={i}>{part.text}</span>
        ),
      )}
    </span>
  );
}
