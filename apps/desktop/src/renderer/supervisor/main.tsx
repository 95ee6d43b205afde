import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { SupervisorApp } from './SupervisorApp.tsx';
import '../common/styles.css';
import './supervisor.css';

const root = document.getElementById('root');
if (!root) throw new Error('the page has no #root element');
createRoot(root).render(
  <StrictMode>
    <SupervisorApp />
  </StrictMode>,
);
