import { useEffect, useState } from 'react';
import { LoginForm } from '../common/LoginForm.tsx';
import { desktopApi } from '../platform/desktop-api.ts';
import { AdminView } from './admin/AdminView.tsx';
import { RecordingView } from './RecordingView.tsx';
import { SearchView } from './search/SearchView.tsx';
import { useSupervisorStore } from './supervisor-store.ts';

/** The supervisor view (GIR: SpeechMiner UI): search, play, administer. */
export function SupervisorApp() {
  const user = useSupervisorStore((s) => s.user);
  const view = useSupervisorStore((s) => s.view);
  const loginError = useSupervisorStore((s) => s.loginError);
  const login = useSupervisorStore((s) => s.login);
  const showSearch = useSupervisorStore((s) => s.showSearch);
  const showAdmin = useSupervisorStore((s) => s.showAdmin);
  const [defaultBackendUrl, setDefaultBackendUrl] = useState(window.location.origin);
  useEffect(() => {
    void desktopApi()
      .getSettings()
      .then((settings) => setDefaultBackendUrl(settings.backendUrl));
  }, []);
  useEffect(() => {
    const follow = () => void useSupervisorStore.getState().followLocation();
    window.addEventListener('popstate', follow);
    return () => window.removeEventListener('popstate', follow);
  }, []);
  if (!user) {
    return (
      <LoginForm
        title="Vox Recorder: Recordings"
        askBackendUrl={desktopApi().kind === 'electron'}
        defaultBackendUrl={defaultBackendUrl}
        error={loginError}
        onLogin={login}
      />
    );
  }
  return (
    <main className="supervisor">
      <header>
        <nav aria-label="Views">
          <button aria-pressed={view.kind !== 'admin'} onClick={showSearch}>
            Recordings
          </button>
          {user.role === 'admin' && (
            <button aria-pressed={view.kind === 'admin'} onClick={showAdmin}>
              Administration
            </button>
          )}
        </nav>
        <span data-testid="signed-in">
          {user.username} ({user.role}
          {user.group ? `, group ${user.group}` : ''})
        </span>
      </header>
      {view.kind === 'search' && <SearchView />}
      {view.kind === 'recording' && <RecordingView id={view.id} />}
      {view.kind === 'admin' && <AdminView />}
    </main>
  );
}
