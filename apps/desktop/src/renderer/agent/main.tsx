import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { AgentApp } from './AgentApp.tsx';
import { useAgentStore } from './agent-store.ts';
import '../common/styles.css';

// The page goes away (closed, reloaded): the session's connection, recorder and share end with it.
window.addEventListener('pagehide', () => useAgentStore.getState().logout());

const root = document.getElementById('root');
if (!root) throw new Error('the page has no #root element');
createRoot(root).render(
  <StrictMode>
    <AgentApp />
  </StrictMode>,
);
