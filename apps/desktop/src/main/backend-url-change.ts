import type { BackendUrlChangeOutcome } from '@vox/shared';
import type { BaseWindow, MessageBoxOptions } from 'electron';
import { DesktopSettingsError, parseBackendUrl } from './settings.ts';

/** What the change flow needs of the desktop; main.ts wires Electron's, tests their own. */
export interface BackendUrlChangeServices {
  current(): string;
  /** keeps the new backend URL (the settings file, the pages' policy) */
  save(backendUrl: string): Promise<void>;
  /** Electron's `dialog.showMessageBox`, modal to the window when there is one */
  showMessageBox(window: BaseWindow | null, options: MessageBoxOptions): Promise<{ response: number }>;
}

/** The page that asked: its window carries the dialog, and it reloads under the new backend. */
export interface AskingPage {
  window: BaseWindow | null;
  reload(): void;
}

const keepButton = 0;
const changeButton = 1;

/**
 * The question put to the user, naming both backends. Enter and Escape keep the old one: only a
 * deliberate click on "Change" moves the agent's login and recordings to another server.
 */
export function backendUrlChangeQuestion(from: string, to: string): MessageBoxOptions {
  return {
    type: 'warning',
    title: 'Vox Recorder',
    message: 'Send your login and screen recordings to another server?',
    detail: `Now: ${from}\nNew: ${to}\n\nChange it only if your organisation gave you this address.`,
    buttons: ['Keep', 'Change'],
    defaultId: keepButton,
    cancelId: keepButton,
    noLink: true,
  };
}

/**
 * A page asking for another backend. The page is the least trusted part of the desktop (any
 * script that runs in it could ask), so the main process checks the URL itself and lets the user,
 * not the page, decide. One question at a time: a page cannot stack dialogs.
 */
export class BackendUrlChanger {
  private asking = false;

  constructor(private readonly services: BackendUrlChangeServices) {}

  async request(requested: string, page: AskingPage): Promise<BackendUrlChangeOutcome> {
    const to = parseBackendUrl(requested);
    const from = this.services.current();
    if (to === from) return 'unchanged';
    if (this.asking) throw new DesktopSettingsError('another change of the backend URL is waiting for an answer');
    this.asking = true;
    let answer: { response: number };
    try {
      answer = await this.services.showMessageBox(page.window, backendUrlChangeQuestion(from, to));
    } finally {
      this.asking = false;
    }
    if (answer.response !== changeButton) return 'declined';
    await this.services.save(to);
    page.reload();
    return 'changed';
  }
}
