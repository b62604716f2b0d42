// Runs one job at a time and coalesces requests: a request while the job runs makes exactly one more
// run afterwards, however many requests came. Failures retry with exponential backoff; a periodic
// resync requests a run as a safety net against missed events.
export interface Trigger {
  request(): void;
  /** Whether a request came in since the current run started (so another run follows it). */
  pending(): boolean;
  stop(): void;
}

export function createTrigger(
  job: () => Promise<void>,
  opts: {
    onError: (err: unknown, retryInMs: number) => void;
    resyncMs: number;
    minBackoffMs?: number;
    maxBackoffMs?: number;
  },
): Trigger {
  let running = false;
  let pending = false;
  let stopped = false;
  let backoff = opts.minBackoffMs ?? 500;
  let retryTimer: NodeJS.Timeout | undefined;
  const resync = setInterval(() => trigger.request(), opts.resyncMs);
  resync.unref();

  async function run(): Promise<void> {
    running = true;
    while (pending && !stopped) {
      pending = false;
      try {
        await job();
        backoff = opts.minBackoffMs ?? 500;
      } catch (err) {
        opts.onError(err, backoff);
        retryTimer = setTimeout(() => trigger.request(), backoff);
        backoff = Math.min(backoff * 2, opts.maxBackoffMs ?? 60_000);
        break;
      }
    }
    running = false;
  }

  const trigger: Trigger = {
    pending: () => pending,
    request() {
      if (stopped) return;
      pending = true;
      if (!running) void run();
    },
    stop() {
      stopped = true;
      clearInterval(resync);
      if (retryTimer) clearTimeout(retryTimer);
    },
  };
  return trigger;
}
