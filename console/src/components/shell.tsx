import { useState } from 'react';
import { useAppState } from './app-context.ts';
import { ChatList } from './chat-list.tsx';
import { ConnectionBanner } from './connection-banner.tsx';
import { Conversation } from './conversation.tsx';
import { Notice } from './notice.tsx';
import { ProfilePanel } from './profile-panel.tsx';
import { Icon } from './icons.tsx';

/** Two panes on a desktop; one at a time on a phone (the open chat hides the list). */
export function Shell() {
  const activeChatId = useAppState((s) => s.activeChatId);
  const connection = useAppState((s) => s.connection);
  const [profileOpen, setProfileOpen] = useState(false);

  return (
    <div className="app" data-testid="shell" data-connection={connection}>
      <ConnectionBanner />
      <div className={`shell ${activeChatId ? 'has-chat' : ''}`}>
        <div className="sidebar">
          {profileOpen ? (
            <ProfilePanel onClose={() => setProfileOpen(false)} />
          ) : (
            <ChatList onProfile={() => setProfileOpen(true)} />
          )}
        </div>
        <main className="main">
          {activeChatId ? (
            <Conversation key={activeChatId} chatId={activeChatId} />
          ) : (
            <div className="empty-main">
              <div className="empty-logo">
                <Icon name="chat" size={72} />
              </div>
              <h2>WA console</h2>
              <p>Pick a chat, or start one with the + button.</p>
            </div>
          )}
        </main>
      </div>
      <Notice />
    </div>
  );
}
