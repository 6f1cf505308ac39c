import { type ProgressReporter } from './progress';

/** How long a study or worker waits for its database to come back before giving up. */
export const DATABASE_OUTAGE_LIMIT_SECONDS = 120;

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03']);

/**
 * Whether `error` says the database went away (restart, failover, network) rather than that a statement was wrong:
 * node errors like ECONNREFUSED, Postgres' admin_shutdown / crash_shutdown / cannot_connect_now and connection
 * exceptions (SQLSTATE class 08), and pg's "Connection terminated" messages.
 */
export function isConnectionLoss(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  return typeof message === 'string' && /Connection terminated|connection.*(closed|ended)|terminating connection|the database system is (starting up|shutting down)/i.test(message);
}

/**
 * Runs `step`, and while it fails because the database is unreachable, retries it every second (one event per
 * outage) for up to `limitSeconds`; any other error, or a longer outage, is thrown.
 */
export async function surviveDatabaseOutage<T>(step: () => Promise<T>, progress: ProgressReporter, limitSeconds = DATABASE_OUTAGE_LIMIT_SECONDS): Promise<T> {
  let since: number | null = null;
  for (;;) {
    try {
      const result = await step();
      if (since !== null) progress.event('database-back', { seconds: Math.round((Date.now() - since) / 1000) });
      return result;
    } catch (error) {
      if (!isConnectionLoss(error)) throw error;
      if (since === null) {
        since = Date.now();
        progress.event('database-unavailable', { error: (error as Error).message });
      }
      if (Date.now() - since > limitSeconds * 1000) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
