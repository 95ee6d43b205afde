import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { appMenuTemplate } from './app-menu.ts';

function findItem(items: MenuItemConstructorOptions[], label: string): MenuItemConstructorOptions | undefined {
  for (const item of items) {
    if (item.label === label) return item;
    if (Array.isArray(item.submenu)) {
      const found = findItem(item.submenu, label);
      if (found) return found;
    }
  }
  return undefined;
}

describe('appMenuTemplate', () => {
  it('opens the supervisor window from the Window menu', () => {
    let opened = 0;
    const template = appMenuTemplate({ openSupervisorWindow: () => (opened += 1) }, 'linux');
    const item = findItem(template, 'Supervisor window');
    expect(item).toBeDefined();
    (item?.click as () => void)();
    expect(opened).toBe(1);
  });

  it('adds the application menu on macOS only', () => {
    const actions = { openSupervisorWindow: () => undefined };
    expect(appMenuTemplate(actions, 'darwin')[0]).toEqual({ role: 'appMenu' });
    expect(appMenuTemplate(actions, 'win32').some((item) => item.role === 'appMenu')).toBe(false);
  });
});
