import type { ShownStatus } from '../state/model.ts';

const LABELS: Record<ShownStatus, string> = {
  pending: 'Sending',
  failed: 'Not sent',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
};

/** A clock while sending, one grey tick when stored, two when delivered, two blue when read. */
export function Ticks({ status }: { status: ShownStatus }) {
  const label = LABELS[status];
  if (status === 'pending') {
    return (
      <svg
        className="ticks pending"
        viewBox="0 0 16 16"
        width="14"
        height="14"
        aria-label={label}
        data-testid="ticks"
      >
        <circle cx="8" cy="8" r="6" fill="none" stroke="currentColor" strokeWidth="1.5" />
        <path d="M8 4.5V8l2.5 1.5" fill="none" stroke="currentColor" strokeWidth="1.5" />
      </svg>
    );
  }
  if (status === 'failed') {
    return (
      <span className="ticks failed" aria-label={label} data-testid="ticks">
        !
      </span>
    );
  }
  const double = status !== 'sent';
  return (
    <svg
      className={`ticks ${status}`}
      viewBox="0 0 18 12"
      width="18"
      height="12"
      aria-label={label}
      data-testid="ticks"
    >
      <path d="M1 6.5l3.2 3.2L11 2.5" fill="none" stroke="currentColor" strokeWidth="1.6" />
      {double && (
        <path d="M7 9.7l0.3 0.3L14.6 2.5" fill="none" stroke="currentColor" strokeWidth="1.6" />
      )}
    </svg>
  );
}
