/**
 * The commit-identity protocol (core/storage/conditional-write.ts) over scripted outcomes: an unknown
 * outcome or a 412 is settled by what a read-back finds — ours, theirs, or unchanged (then sent again) —
 * and never by a blind retry.
 */
import { describe, expect, it } from 'vitest';
import { LakebenchError } from '../../core/errors';
import { settleConditionalWrite, type Observed } from '../../core/storage/conditional-write';

/** A script of attempt outcomes (true, false, or an error to throw) and of read-backs. */
function scripted(attempts: (boolean | Error)[], observations: (Observed | Error)[]) {
  const log: string[] = [];
  const attempt = async () => {
    const next = attempts.shift();
    log.push('send');
    if (next instanceof Error) throw next;
    return next ?? true;
  };
  const observe = async () => {
    const next = observations.shift();
    log.push('read');
    if (next instanceof Error || next === undefined) throw next ?? new Error('no observation scripted');
    return next;
  };
  return { attempt, observe, log };
}

const reset = () => new LakebenchError('BAD_ENDPOINT', 'endpoint dropped the connection (ECONNRESET)');

describe('settleConditionalWrite', () => {
  it('takes a plain success without reading back', async () => {
    const s = scripted([true], []);
    expect(await settleConditionalWrite(s.attempt, s.observe, { object: 'x' })).toBe(true);
    expect(s.log).toEqual(['send']);
  });

  it('counts a 412 on our own landed write as written, and on another writer\'s as lost', async () => {
    const ours = scripted([false], ['ours']);
    expect(await settleConditionalWrite(ours.attempt, ours.observe, { object: 'x' })).toBe(true);
    const theirs = scripted([false], ['theirs']);
    expect(await settleConditionalWrite(theirs.attempt, theirs.observe, { object: 'x' })).toBe(false);
  });

  it('reads back after an unknown outcome and sends again only when nothing landed', async () => {
    const landed = scripted([reset()], ['ours']);
    expect(await settleConditionalWrite(landed.attempt, landed.observe, { object: 'x' })).toBe(true);
    expect(landed.log).toEqual(['send', 'read']);

    const notLanded = scripted([reset(), true], ['unchanged']);
    expect(await settleConditionalWrite(notLanded.attempt, notLanded.observe, { object: 'x' })).toBe(true);
    expect(notLanded.log).toEqual(['send', 'read', 'send']);

    const lost = scripted([reset()], ['theirs']);
    expect(await settleConditionalWrite(lost.attempt, lost.observe, { object: 'x' })).toBe(false);
  });

  it('gives up with the last failure after its attempts, each one read back first', async () => {
    const s = scripted([reset(), reset(), reset()], ['unchanged', 'unchanged', 'unchanged']);
    await expect(settleConditionalWrite(s.attempt, s.observe, { object: 'x', attempts: 3 })).rejects.toThrow(/ECONNRESET/);
    expect(s.log).toEqual(['send', 'read', 'send', 'read', 'send', 'read']);
  });

  it('reads back patiently, and says the outcome is unknown only when every read-back fails', async () => {
    const timedOut = () => new LakebenchError('IO', 'cannot read metadata: timed out');
    const recovered = scripted([reset()], [timedOut(), 'ours']);
    expect(await settleConditionalWrite(recovered.attempt, recovered.observe, { object: 'x' })).toBe(true);
    expect(recovered.log).toEqual(['send', 'read', 'read']);

    const s = scripted([reset()], [timedOut(), timedOut(), timedOut()]);
    await expect(settleConditionalWrite(s.attempt, s.observe, { object: 's3://b/t/_delta_log/1.json' })).rejects.toThrow(
      /ECONNRESET.*reading it back failed too.*timed out.*whether the write landed is unknown/,
    );
    expect(s.log).toEqual(['send', 'read', 'read', 'read']);
  });

  it('rethrows a refusal at once, and a cancel once the read-back shows nothing landed', async () => {
    const denied = scripted([new LakebenchError('ACCESS_DENIED', 'no permission')], []);
    await expect(settleConditionalWrite(denied.attempt, denied.observe, { object: 'x' })).rejects.toThrow('no permission');
    expect(denied.log).toEqual(['send']);

    const cancelled = scripted([new LakebenchError('CANCELLED', 'create was cancelled')], ['unchanged']);
    await expect(settleConditionalWrite(cancelled.attempt, cancelled.observe, { object: 'x' })).rejects.toThrow('cancelled');
    // A cancel that came after the write landed: the commit holds and is reported.
    const landedBeforeCancel = scripted([new LakebenchError('CANCELLED', 'create was cancelled')], ['ours']);
    expect(await settleConditionalWrite(landedBeforeCancel.attempt, landedBeforeCancel.observe, { object: 'x' })).toBe(true);
  });
});
