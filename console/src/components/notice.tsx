import { useEffect } from 'react';
import { useAppState, useController } from './app-context.ts';

/** A short message at the bottom that goes away by itself. */
export function Notice() {
  const controller = useController();
  const notice = useAppState((s) => s.notice);
  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => controller.notice(null), 4_000);
    return () => clearTimeout(timer);
  }, [controller, notice]);
  if (!notice) return null;
  return (
    <div className="notice" role="alert" data-testid="notice">
      {notice}
    </div>
  );
}
