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

/** The media's metadata and URLs, or `failed` when the server would not give them. */
export function useMedia(cache: MediaCache, mediaId: string | undefined) {
  const [state, setState] = useState<{ id?: string; view?: MediaView; failed?: boolean }>({});
  useEffect(() => {
    if (!mediaId) return;
    let live = true;
    cache.get(mediaId).then(
      (view) => live && setState({ id: mediaId, view }),
      () => live && setState({ id: mediaId, failed: true }),
    );
    return () => {
      live = false;
    };
  }, [cache, mediaId]);
  return state.id === mediaId ? state : {};
}
