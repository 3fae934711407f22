import { useEffect } from 'react';
import { useSlice } from '../state/store.ts';
import { useAppState, useController } from './app-context.ts';
import { LoginScreen } from './login-screen.tsx';
import { ProfileSetup } from './profile-panel.tsx';
import { Shell } from './shell.tsx';

/** Login, then a name for a new user, then the chats. */
export function App() {
  const controller = useController();
  const session = useSlice(controller.sessionStore, (s) => s);
  const me = useAppState((s) => s.me);

  useEffect(() => {
    if (!session) return;
    const match = /^\/console\/chats\/([0-9a-f-]{36})/.exec(location.pathname);
    if (match) void controller.openChat(match[1]);
  }, [controller, session]);

  if (!session) return <LoginScreen />;
  if (me && !me.display_name) return <ProfileSetup />;
  return <Shell />;
}
