import { useEffect, useState } from 'react';
import { useAppState, useController } from './app-context.ts';

/** Shown while the socket is not open: offline, or reconnecting (with the backoff countdown). */
export function ConnectionBanner() {
  const { realtime } = useController();
  const connection = useAppState((s) => s.connection);
  const retryAt = useAppState((s) => s.retryAt);
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    if (connection === 'open') return;
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, [connection]);

  if (connection === 'open') return null;
  const seconds = retryAt ? Math.max(0, Math.ceil((retryAt - now) / 1_000)) : 0;
  return (
    <div className="banner" role="status" data-testid="offline-banner" data-state={connection}>
      {connection === 'offline' ? (
        <span>You are offline. Messages will be sent when the connection is back.</span>
      ) : (
        <span>{seconds > 0 ? `Connecting in ${seconds} s…` : 'Connecting…'}</span>
      )}
      {connection !== 'offline' && seconds > 0 && (
        <button className="link" onClick={realtime.retryNow}>
          Retry now
        </button>
      )}
    </div>
  );
}
