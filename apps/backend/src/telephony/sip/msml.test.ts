import { describe, expect, it } from 'vitest';
import { msmlDialogEnd, msmlRecordStart, msmlSend, MsmlParseError, parseMsml } from './msml.ts';

describe('MSML', () => {
  it('round-trips a record start, escaping attribute values', () => {
    const body = msmlRecordStart({
      target: 'conn:1a2b',
      dialogName: 'rec"1',
      dest: 'vox-storage:a&b',
      format: 'audio/mp3',
    });
    expect(body).toContain('<dialogstart target="conn:1a2b" name="rec&quot;1">');
    expect(parseMsml(body)).toEqual({
      kind: 'recordStart',
      target: 'conn:1a2b',
      dialogName: 'rec"1',
      dest: 'vox-storage:a&b',
      format: 'audio/mp3',
    });
  });

  it('round-trips a dialog end', () => {
    expect(parseMsml(msmlDialogEnd('conn:1a2b/dialog:rec1'))).toEqual({
      kind: 'dialogEnd',
      dialogId: 'conn:1a2b/dialog:rec1',
    });
  });

  it('round-trips pause and resume sent to the recording dialog', () => {
    expect(parseMsml(msmlSend('conn:1a2b/dialog:rec1', 'pause'))).toEqual({
      kind: 'send',
      dialogId: 'conn:1a2b/dialog:rec1',
      event: 'pause',
    });
    expect(parseMsml(msmlSend('conn:1a2b/dialog:rec1', 'resume'))).toMatchObject({ event: 'resume' });
    expect(() => parseMsml('<msml version="1.1"><send target="conn:1/dialog:r" event="app.play"/></msml>')).toThrow(
      /event="pause" or event="resume"/,
    );
  });

  it('refuses what is not MSML 1.1 or lacks required attributes', () => {
    expect(() => parseMsml('<xml/>')).toThrow(MsmlParseError);
    expect(() =>
      parseMsml('<msml version="1.1"><dialogstart target="conn:1"><record format="audio/mp3"/></dialogstart></msml>'),
    ).toThrow(/needs target and name/);
    expect(() => parseMsml('<msml version="1.1"><play/></msml>')).toThrow(/no MSML request/);
  });
});
