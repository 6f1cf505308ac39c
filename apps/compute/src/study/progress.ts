/** One long-running piece of work whose progress is shown. */
export interface ProgressTask {
  update(done: number): void;
  done(): void;
}

export interface ProgressReporter {
  task(label: string, total: number): ProgressTask;
  /** A structured event (always one JSON line when not on a terminal). */
  event(name: string, fields?: Record<string, unknown>): void;
}

/**
 * Progress for people and for logs: on a terminal, a redrawn bar with rate and ETA; otherwise one JSON line per
 * task at most every `intervalMs` (and at the end), so CI logs and log collectors get structured records.
 */
export function createProgressReporter(stream: NodeJS.WriteStream = process.stderr, intervalMs = 5000): ProgressReporter {
  const tty = Boolean(stream.isTTY);
  const write = (text: string) => stream.write(text);
  return {
    event(name, fields = {}) {
      if (tty) write(`${name}${Object.keys(fields).length ? ' ' + Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(' ') : ''}\n`);
      else write(JSON.stringify({ time: new Date().toISOString(), event: name, ...fields }) + '\n');
    },
    task(label, total) {
      const start = Date.now();
      let last = 0;
      let current = 0;
      const render = (final: boolean) => {
        const elapsed = (Date.now() - start) / 1000;
        const rate = current / Math.max(elapsed, 1e-3);
        const eta = rate > 0 ? (total - current) / rate : null;
        if (tty) {
          const width = 24;
          const filled = total > 0 ? Math.round((current / total) * width) : width;
          const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
          write(`\r${label} [${bar}] ${current}/${total} ${rate.toFixed(1)}/s ETA ${eta === null ? '?' : formatSeconds(eta)}${final ? ` done in ${formatSeconds(elapsed)}\n` : '   '}`);
        } else {
          write(JSON.stringify({ time: new Date().toISOString(), event: final ? 'task-done' : 'task-progress', task: label, done: current, total, perSecond: Number(rate.toFixed(2)), etaSeconds: eta === null ? null : Math.round(eta), elapsedSeconds: Math.round(elapsed) }) + '\n');
        }
      };
      return {
        update(done) {
          current = done;
          const now = Date.now();
          if (now - last >= (tty ? 200 : intervalMs)) {
            last = now;
            render(false);
          }
        },
        done() {
          current = total;
          render(true);
        },
      };
    },
  };
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(0)}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes}m${String(Math.round(seconds % 60)).padStart(2, '0')}s` : `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
