import type { MenuItemConstructorOptions } from 'electron';

export interface AppMenuActions {
  openSupervisorWindow(): void;
}

/**
 * The application menu: the platform's standard menus plus the window menu's way to the
 * supervisor view, which a supervisor working on an agent's machine opens next to the agent view.
 */
export function appMenuTemplate(actions: AppMenuActions, platform: NodeJS.Platform): MenuItemConstructorOptions[] {
  const windowMenu: MenuItemConstructorOptions = {
    label: 'Window',
    submenu: [
      { label: 'Supervisor window', accelerator: 'CmdOrCtrl+Shift+S', click: () => actions.openSupervisorWindow() },
      { type: 'separator' },
      { role: 'minimize' },
      { role: 'close' },
    ],
  };
  return [
    ...(platform === 'darwin' ? [{ role: 'appMenu' } satisfies MenuItemConstructorOptions] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    windowMenu,
  ];
}
