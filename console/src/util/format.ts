/** Times and sizes as a messaging app shows them. */

export function clockTime(iso: string): string {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** Today: the time; this week: the weekday; else the date. */
export function listTime(iso: string): string {
  const date = new Date(iso);
  const now = new Date();
  if (date.toDateString() === now.toDateString()) return clockTime(iso);
  if (now.getTime() - date.getTime() < 6 * 86_400_000) {
    return date.toLocaleDateString([], { weekday: 'short' });
  }
  return date.toLocaleDateString();
}

export function lastSeen(iso: string | null): string {
  if (!iso) return 'offline';
  const date = new Date(iso);
  const today = new Date().toDateString() === date.toDateString();
  return `last seen ${today ? 'today' : date.toLocaleDateString()} at ${clockTime(iso)}`;
}

export function fileSize(bytes: number | undefined): string {
  if (bytes === undefined) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? parts[0][0] + parts.at(-1)![0] : (parts[0] ?? '?').slice(0, 2);
  return letters.toUpperCase();
}
