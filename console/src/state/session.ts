/** The signed-in user's tokens, kept in localStorage so a reload stays signed in. */
export interface Session {
  userId: string;
  phone: string;
  accessToken: string;
  refreshToken: string;
}

const KEY = 'wa-console-session';

export function loadSession(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  try {
    if (session) localStorage.setItem(KEY, JSON.stringify(session));
    else localStorage.removeItem(KEY);
  } catch {
    // Private mode without storage: the session lasts as long as the page.
  }
}
