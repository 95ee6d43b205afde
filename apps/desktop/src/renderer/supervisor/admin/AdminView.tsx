import { useState } from 'react';
import { AuditLogPanel } from './AuditLogPanel.tsx';
import { DnPanel } from './DnPanel.tsx';
import { GroupsPanel } from './GroupsPanel.tsx';
import { JobsPanel } from './JobsPanel.tsx';
import { UsersPanel } from './UsersPanel.tsx';

const tabs = {
  audit: ['Audit log', AuditLogPanel],
  users: ['Users', UsersPanel],
  groups: ['Groups', GroupsPanel],
  dns: ['DN recording', DnPanel],
  jobs: ['Jobs', JobsPanel],
} as const;

type Tab = keyof typeof tabs;

/** What an admin looks after: the audit log and its chain, users, groups, DN recording configuration, background jobs. */
export function AdminView() {
  const [tab, setTab] = useState<Tab>('audit');
  const Panel = tabs[tab][1];
  return (
    <section className="admin" aria-label="Administration">
      <div role="tablist" className="tabs">
        {(Object.keys(tabs) as Tab[]).map((key) => (
          <button key={key} role="tab" aria-selected={tab === key} onClick={() => setTab(key)}>
            {tabs[key][0]}
          </button>
        ))}
      </div>
      <Panel />
    </section>
  );
}
