import {
  desktopAppOrigin,
  desktopInvokeArgsSchemas,
  desktopInvokeChannels,
  type DesktopInvokeArgs,
  type DesktopInvokeMethod,
} from '@vox/shared';
import { isAppPageUrl } from './app-url.ts';

export type DesktopIpcRefusalCode = 'foreign_sender' | 'bad_payload';

/**
 * Why the main process would not act on an IPC request. Electron hands only the message to the
 * renderer, so the message names the channel and what was wrong with the request.
 */
export class DesktopIpcRefusal extends Error {
  override readonly name = 'DesktopIpcRefusal';

  constructor(
    readonly code: DesktopIpcRefusalCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Checks one invoke request before any handler runs: the sending frame must be one of the app's
 * own pages (never a page that got navigated elsewhere, nor a subframe from another origin), and
 * the arguments must match the channel's schema. Returns the parsed arguments.
 */
export function checkDesktopInvoke<M extends DesktopInvokeMethod>(
  method: M,
  senderUrl: string | null | undefined,
  args: readonly unknown[],
): DesktopInvokeArgs<M> {
  const channel = desktopInvokeChannels[method];
  if (!isAppPageUrl(senderUrl)) {
    throw new DesktopIpcRefusal(
      'foreign_sender',
      `${channel} refused: the sender ${senderUrl ? `"${senderUrl}"` : '(a destroyed frame)'} is not a page under ${desktopAppOrigin}/`,
    );
  }
  const parsed = desktopInvokeArgsSchemas[method].safeParse(args);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `argument ${issue.path.join('.') || '(all)'}: ${issue.message}`);
    throw new DesktopIpcRefusal('bad_payload', `${channel} refused: ${issues.join('; ')}`);
  }
  return parsed.data as DesktopInvokeArgs<M>;
}
