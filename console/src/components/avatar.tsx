import { useMedia } from '../state/media-cache.ts';
import { initials } from '../util/format.ts';
import { useController } from './app-context.ts';

/** Photos the console sets point at the gateway's media download (fresh presigned URL each time). */
const MEDIA_AVATAR = /\/api\/v1\/media\/([0-9a-f-]{36})\/download$/;

interface AvatarProps {
  name: string;
  url?: string | null | undefined;
  size?: number;
  online?: boolean;
}

/** A round photo, or the name's initials on a colour of its own. */
export function Avatar({ name, url, size = 40, online }: AvatarProps) {
  const { media } = useController();
  const mediaId = url ? MEDIA_AVATAR.exec(url)?.[1] : undefined;
  const { view, failed } = useMedia(media, mediaId);
  const src = mediaId
    ? failed
      ? undefined
      : (view?.thumbnail_url ?? view?.url)
    : url || undefined;
  const hue = [...name].reduce((sum, c) => sum + c.charCodeAt(0), 0) % 360;
  return (
    <span
      className="avatar"
      style={{ width: size, height: size, fontSize: size * 0.4, background: `hsl(${hue} 45% 55%)` }}
      aria-hidden
    >
      {src ? <img src={src} alt="" /> : initials(name || '?')}
      {online && <span className="online-dot" data-testid="online-dot" />}
    </span>
  );
}
