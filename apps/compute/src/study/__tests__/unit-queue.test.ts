import { createDataSource, createScratchDatabase, type ScratchDatabase } from '@transferscope/db';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Client } from 'pg';
import { type DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProgressReporter } from '../progress';
import { UnitQueue } from '../unit-queue';
import { unitKey, type StudyUnit } from '../units';

const ADMIN_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * A TCP relay in front of the real Postgres whose `cut()` is a database outage as its clients see one: every open
 * connection is dropped and new ones are closed at once, until `restore()`.
 */
interface Relay {
  url: string;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

async function startRelay(targetUrl: string): Promise<Relay> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  let down = false;
  const server: Server = createServer((client) => {
    if (down) return void client.destroy();
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(a);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        sockets.delete(a);
        b.destroy();
      });
      a.pipe(b);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as { port: number }).port);
  return {
    url: url.toString(),
    cut() {
      down = true;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      down = false;
    },
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function recorder(): ProgressReporter & { events: string[] } {
  const events: string[] = [];
  return { events, event: (name) => events.push(name), task: () => ({ update: () => undefined, done: () => undefined }) };
}

async function until(condition: () => Promise<boolean>, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${seconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Rejects if `promise` has not settled within `seconds` (a hang fails the test instead of stalling it). */
function within<T>(promise: Promise<T>, seconds: number, what: string): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not finish within ${seconds} s`)), seconds * 1000).unref())]);
}

const extract = (model: string): StudyUnit => ({ kind: 'extract', model, dataset: 'd' });

describe('UnitQueue (pg-boss on a real Postgres, behind a relay that can cut the connection)', () => {
  let scratch: ScratchDatabase;
  let relay: Relay;
  let direct: Client;

  beforeAll(async () => {
    scratch = await createScratchDatabase(ADMIN_URL);
    relay = await startRelay(scratch.url);
    direct = new Client({ connectionString: scratch.url });
    await direct.connect();
  });

  afterAll(async () => {
    await direct?.end();
    await relay?.close();
    await scratch?.drop();
  });

  async function states(queue: string): Promise<string[]> {
    const { rows } = await direct.query<{ state: string }>('SELECT state FROM pgboss.job WHERE name = $1 ORDER BY created_on, id', [queue]);
    return rows.map((row) => row.state);
  }

  /** Advisory locks granted in the scratch database: the leases held. */
  async function leaseLocks(): Promise<number> {
    const { rows } = await direct.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    );
    return rows[0]!.n;
  }

  async function openLeases(url: string): Promise<DataSource> {
    const leases = createDataSource(url);
    await leases.initialize();
    return leases;
  }

  it('a unit that ends while the database is unreachable is recorded once it is back, and the worker goes on', async () => {
    const queue = await UnitQueue.open(relay.url, 1);
    const leases = await openLeases(relay.url);
    const progress = recorder();
    const ran: string[] = [];
    try {
      await queue.enqueue('s', [extract('a'), extract('b')]);
      // The first unit ends just after the connections drop: its outcome must wait for the database, not be lost.
      queue.work(
        async ({ unit }) => {
          ran.push(unitKey(unit));
          if (ran.length === 1) {
            relay.cut();
            setTimeout(() => relay.restore(), 1500);
          }
        },
        leases,
        progress,
      );
      await until(async () => (await states(queue.name)).every((state) => state === 'completed'), 30);
      expect(ran.sort()).toEqual(['extract/a/d', 'extract/b/d']);
      expect(progress.events).toEqual(['database-unavailable', 'database-back']);
    } finally {
      await within(queue.close(), 20, 'queue.close()');
      await within(leases.destroy(), 10, 'closing the leases DataSource');
    }
  }, 60_000);

  it('a unit running across an outage takes its lease again once the database is back (the coordinator must not take it back)', async () => {
    const queue = await UnitQueue.open(relay.url, 3);
    const leases = await openLeases(relay.url);
    let started!: () => void;
    let finish!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const release = new Promise<void>((resolve) => (finish = resolve));
    try {
      await queue.enqueue('s', [extract('e')]);
      queue.work(
        async () => {
          started();
          await release;
        },
        leases,
        recorder(),
      );
      await within(running, 20, 'the unit');
      await until(async () => (await leaseLocks()) === 1, 10);
      relay.cut();
      // Postgres frees the lock when the session's connection goes.
      await until(async () => (await leaseLocks()) === 0, 10);
      relay.restore();
      await until(async () => (await leaseLocks()) === 1, 10);
      finish();
      await until(async () => (await states(queue.name)).join() === 'completed', 20);
    } finally {
      finish();
      await within(queue.close(), 20, 'queue.close()');
      await within(leases.destroy(), 10, 'closing the leases DataSource');
    }
    expect(await leaseLocks()).toBe(0);
  }, 60_000);

  it('close() waits for the unit in hand and leaves no lease or connection behind', async () => {
    const queue = await UnitQueue.open(relay.url, 2);
    const leases = await openLeases(relay.url);
    let finished = false;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    await queue.enqueue('s', [extract('c')]);
    queue.work(
      async () => {
        started();
        await new Promise((resolve) => setTimeout(resolve, 1500));
        finished = true;
      },
      leases,
      recorder(),
    );
    await within(running, 20, 'the unit');
    await within(queue.close(), 20, 'queue.close()');
    expect(finished).toBe(true);
    expect(await states(queue.name)).toEqual(['completed']);
    expect(await leaseLocks()).toBe(0);
    await within(leases.destroy(), 10, 'closing the leases DataSource');
  }, 60_000);
});
