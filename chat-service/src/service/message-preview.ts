import type { MessagePayload, MessageType } from '@wa/pkg/bus';

export const PREVIEW_MAX_CHARS = 100;
export const DELETED_PREVIEW = '🚫 This message was deleted';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Collapses whitespace and cuts at a grapheme boundary, so an emoji is never split. */
export function truncate(text: string, max = PREVIEW_MAX_CHARS): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  // A grapheme is at least one UTF-16 unit, so a short text needs no segmenting (most messages).
  if (flat.length <= max) return flat;
  // Segments only as far as the cut: a 64 KiB body costs no more than a 101-grapheme one.
  const graphemes: string[] = [];
  for (const { segment } of segmenter.segment(flat)) {
    if (graphemes.length === max) return `${graphemes.slice(0, max - 1).join('')}…`;
    graphemes.push(segment);
  }
  return flat;
}

const MEDIA = {
  image: { icon: '📷', label: 'Photo' },
  video: { icon: '🎥', label: 'Video' },
  audio: { icon: '🎤', label: 'Audio' },
  document: { icon: '📄', label: 'Document' },
} as const;

/** The one line a chat list shows for a message (PRD §6.3 `last_message.preview`). */
export function messagePreview(type: MessageType, payload: MessagePayload): string {
  switch (type) {
    case 'text':
    case 'system':
      return truncate(payload.body ?? '');
    case 'image':
    case 'video':
    case 'audio':
    case 'document': {
      // A caption (image, video) or file name (document) says more than the label.
      const text = (type === 'document' ? payload.filename : payload.caption)?.trim();
      const { icon, label } = MEDIA[type];
      return truncate(`${icon} ${type !== 'audio' && text ? text : label}`);
    }
  }
}
