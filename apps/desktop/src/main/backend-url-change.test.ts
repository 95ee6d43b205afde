import type { BaseWindow, MessageBoxOptions } from 'electron';
import { beforeEach, describe, expect, it } from 'vitest';
import { BackendUrlChanger, type AskingPage } from './backend-url-change.ts';
import { DesktopSettingsError } from './settings.ts';

const keep = 0;
const change = 1;

let current: string;
let saved: string[];
let questions: { window: BaseWindow | null; options: MessageBoxOptions }[];
let answer: () => Promise<{ response: number }>;
let reloads: number;
let changer: BackendUrlChanger;
const window = { id: 7 } as unknown as BaseWindow;
let page: AskingPage;

beforeEach(() => {
  current = 'http://127.0.0.1:8080';
  saved = [];
  questions = [];
  answer = () => Promise.resolve({ response: change });
  reloads = 0;
  page = { window, reload: () => void (reloads += 1) };
  changer = new BackendUrlChanger({
    current: () => current,
    save: (backendUrl) => {
      saved.push(backendUrl);
      current = backendUrl;
      return Promise.resolve();
    },
    // A stand-in for dialog.showMessageBox: records the question, answers as the test says.
    showMessageBox: (on, options) => {
      questions.push({ window: on, options });
      return answer();
    },
  });
});

describe('BackendUrlChanger', () => {
  it.each([
    'http://10.0.0.5',
    'http://10.0.0.5:8080',
    'http://vox.example',
    'http://localhost.evil.example',
    'http://0.0.0.0:8080',
  ])('refuses %s: plain http to another computer, before asking anyone', async (url) => {
    const refusal = await changer.request(url, page).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(DesktopSettingsError);
    expect((refusal as Error).message).toBe(
      `"${url}" is not usable: a backend on another computer must be reached over https:// (http:// only for 127.0.0.1, ::1 or localhost)`,
    );
    expect(questions).toEqual([]);
    expect(saved).toEqual([]);
    expect(reloads).toBe(0);
  });

  it.each([
    ['https://vox.example', 'https://vox.example'],
    ['https://vox.example/recorder/', 'https://vox.example/recorder'],
    ['http://127.8.9.10:8080', 'http://127.8.9.10:8080'],
    ['http://localhost:8080', 'http://localhost:8080'],
    ['http://[::1]:8080', 'http://[::1]:8080'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
  ])('accepts %s (https, or http on this computer) once the user confirms', async (url, kept) => {
    current = 'https://old.example';
    expect(await changer.request(url, page)).toBe('changed');
    expect(saved).toEqual([kept]);
  });

  it('does not ask about the backend it already talks to', async () => {
    expect(await changer.request('http://127.0.0.1:8080/', page)).toBe('unchanged');
    expect(questions).toEqual([]);
    expect(saved).toEqual([]);
  });

  it('refuses what is not an http(s) backend at all', async () => {
    await expect(changer.request('file:///etc/passwd', page)).rejects.toThrow(DesktopSettingsError);
    await expect(changer.request('https://agent:secret@vox.example', page)).rejects.toThrow(/credentials/);
    expect(questions).toEqual([]);
  });

  it('keeps the old backend when the user does not confirm', async () => {
    answer = () => Promise.resolve({ response: keep });
    expect(await changer.request('https://vox.example', page)).toBe('declined');
    expect(current).toBe('http://127.0.0.1:8080');
    expect(saved).toEqual([]);
    expect(reloads).toBe(0);
  });

  it('asks in a dialog on the asking window naming both backends, Keep being the default and Escape', async () => {
    answer = () => Promise.resolve({ response: keep });
    await changer.request('https://vox.example', page);
    expect(questions).toHaveLength(1);
    const [{ window: on, options }] = questions as [(typeof questions)[number]];
    expect(on).toBe(window);
    expect(options.detail).toContain('Now: http://127.0.0.1:8080');
    expect(options.detail).toContain('New: https://vox.example');
    expect(options.buttons).toEqual(['Keep', 'Change']);
    expect(options.defaultId).toBe(keep);
    expect(options.cancelId).toBe(keep);
  });

  it('saves the confirmed backend, then reloads the page under it', async () => {
    const order: string[] = [];
    changer = new BackendUrlChanger({
      current: () => current,
      save: (backendUrl) => {
        order.push(`save ${backendUrl}`);
        return Promise.resolve();
      },
      showMessageBox: () => Promise.resolve({ response: change }),
    });
    page = { window: null, reload: () => void order.push('reload') };
    expect(await changer.request('https://vox.example', page)).toBe('changed');
    expect(order).toEqual(['save https://vox.example', 'reload']);
  });

  it('shows one question at a time: a page cannot stack dialogs', async () => {
    let answerFirst: (answer: { response: number }) => void = () => undefined;
    answer = () => new Promise((resolve) => (answerFirst = resolve));
    const first = changer.request('https://vox.example', page);
    await expect(changer.request('https://other.example', page)).rejects.toThrow(/waiting for an answer/);
    answerFirst({ response: keep });
    expect(await first).toBe('declined');
    expect(questions).toHaveLength(1);

    answer = () => Promise.resolve({ response: change });
    expect(await changer.request('https://other.example', page)).toBe('changed');
  });

  it('writes the host as the URL parser does, so the dialog shows what will be used', async () => {
    expect(await changer.request('https://VOX.Example:443/', page)).toBe('changed');
    expect(saved).toEqual(['https://vox.example']);
    expect(questions[0]?.options.detail).toContain('New: https://vox.example\n');
  });
});
