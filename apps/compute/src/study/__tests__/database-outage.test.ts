import { describe, expect, it } from 'vitest';
import { isConnectionLoss, surviveDatabaseOutage } from '../database-outage';
import { type ProgressReporter } from '../progress';

function recorder(): ProgressReporter & { events: string[] } {
  const events: string[] = [];
  return { events, event: (name) => events.push(name), task: () => ({ update: () => undefined, done: () => undefined }) };
}

describe('isConnectionLoss', () => {
  it.each([
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    [Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })],
    [Object.assign(new Error('the database system is starting up'), { code: '57P03' })],
    [Object.assign(new Error('connection failure'), { code: '08006' })],
    [new Error('Connection terminated unexpectedly')],
  ])('recognises %s', (error) => expect(isConnectionLoss(error)).toBe(true));

  it.each([
    [Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' })],
    [Object.assign(new Error('syntax error at or near "SELEC"'), { code: '42601' })],
    [new Error('unit names a model outside the study')],
    ['a string'],
  ])('does not take %s for an outage', (error) => expect(isConnectionLoss(error)).toBe(false));
});

describe('surviveDatabaseOutage', () => {
  it('retries through an outage and reports it once, with its end', async () => {
    const progress = recorder();
    let calls = 0;
    const value = await surviveDatabaseOutage(async () => {
      if (++calls < 3) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      return 'ok';
    }, progress);
    expect(value).toBe('ok');
    expect(calls).toBe(3);
    expect(progress.events).toEqual(['database-unavailable', 'database-back']);
  });

  it('throws other errors at once', async () => {
    let calls = 0;
    await expect(
      surviveDatabaseOutage(async () => {
        calls++;
        throw new Error('bad statement');
      }, recorder()),
    ).rejects.toThrow('bad statement');
    expect(calls).toBe(1);
  });

  it('gives up after the limit', async () => {
    const started = Date.now();
    await expect(surviveDatabaseOutage(async () => Promise.reject(Object.assign(new Error('gone'), { code: '57P01' })), recorder(), 1)).rejects.toThrow('gone');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });
});
