import type { MessagePayload } from '../api/types.ts';
import { useMedia } from '../state/media-cache.ts';
import { fileSize } from '../util/format.ts';
import { useController } from './app-context.ts';
import { Icon } from './icons.tsx';

/** An image (thumbnail, the full picture on click), a video or audio player, or a document link. */
export function MediaContent({ type, payload }: { type: string; payload: MessagePayload }) {
  const { media } = useController();
  const { view, failed } = useMedia(media, payload.media_id);

  if (failed) return <div className="media-missing">Media unavailable</div>;
  if (type === 'image') {
    const ratio = payload.width && payload.height ? payload.height / payload.width : 0.75;
    return (
      <a
        className="media-image"
        href={view?.url}
        target="_blank"
        rel="noreferrer"
        style={{ aspectRatio: `${1 / Math.min(Math.max(ratio, 0.4), 1.6)}` }}
      >
        {view && (
          <img
            src={view.thumbnail_url ?? view.url}
            alt={payload.caption || payload.filename || 'Photo'}
            data-testid="message-image"
          />
        )}
      </a>
    );
  }
  if (type === 'video' && view) {
    return <video className="media-video" src={view.url} controls preload="metadata" />;
  }
  if (type === 'audio' && view) {
    return <audio src={view.url} controls preload="metadata" />;
  }
  return (
    <a
      className="media-document"
      href={view?.url}
      target="_blank"
      rel="noreferrer"
      data-testid="message-document"
    >
      <span className="doc-icon">
        <Icon name="doc" size={30} />
      </span>
      <span className="doc-text">
        <span className="doc-name">{payload.filename || 'Document'}</span>
        <span className="doc-meta">
          {[payload.mime_type, fileSize(payload.size_bytes)].filter(Boolean).join(' · ')}
        </span>
      </span>
    </a>
  );
}
