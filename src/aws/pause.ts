// A wait that a cancellation ends at once: polling loops (SSM command status, EC2 change state)
// sleep through it so Cancel never waits for the next poll.

/** Resolves after `ms`; rejects with `abortError()` as soon as `signal` aborts. */
export function pause(ms: number, signal: AbortSignal | undefined, abortError: () => Error = () => new Error('aborted')): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
