import { useEffect, useState } from 'react';
import type { Api } from '../api/endpoints.ts';
import type { MediaView } from '../api/types.ts';

/**
 * Presigned media URLs by media id (addenda I: `GET /media/:id` hands out fresh ones), fetched
 * once and again a minute before they expire.
 */
export function createMediaCache(api: Api) {
  const cache = new Map<string, Promise<MediaView>>();
  const expiry = new Map<string, number>();

  function get(mediaId: string): Promise<MediaView> {
    const known = cache.get(mediaId);
    if (known && (expiry.get(mediaId) ?? Infinity) > Date.now() + 60_000) return known;
    const fetching = api.media(mediaId).then(
      (view) => {
        expiry.set(mediaId, Date.parse(view.urls_expire_at));
        return view;
      },
      (error: unknown) => {
        cache.delete(mediaId);
        throw error;
      },
    );
    cache.set(mediaId, fetching);
    return fetching;
  }

  return { get };
}

export type MediaCache = ReturnType<typeof createMediaCache>;

/** Tries before a media is shown as unavailable, 0.5 s apart and doubling. */
const ATTEMPTS = 6;

/**
 * The media's metadata and URLs, or `failed` when the server would not give them. A recipient may
 * ask before the media-service has learnt (from msg.new) that the chat holds it, and get a 404
 * for a while, so a failure is tried again.
 */
export function useMedia(cache: MediaCache, mediaId: string | undefined) {
  const [state, setState] = useState<{ id?: string; view?: MediaView; failed?: boolean }>({});
  useEffect(() => {
    if (!mediaId) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const attempt = (n: number) => {
      cache.get(mediaId).then(
        (view) => live && setState({ id: mediaId, view }),
        () => {
          if (!live) return;
          if (n + 1 >= ATTEMPTS) return setState({ id: mediaId, failed: true });
          timer = setTimeout(() => attempt(n + 1), 500 * 2 ** n);
        },
      );
    };
    attempt(0);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [cache, mediaId]);
  return state.id === mediaId ? state : {};
}
