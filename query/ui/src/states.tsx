// Loading, error and empty states that say what to do next.
import { useState } from 'preact/hooks';
import { ApiError, token } from './api.ts';

export const Loading = ({ what }: { what: string }) => (
  <p class="state" role="status" aria-live="polite">
    Loading {what}…
  </p>
);

export function ErrorState({ error, retry }: { error: Error; retry: () => void }) {
  if (error instanceof ApiError && error.status === 401) return <TokenForm message={error.message} />;
  return (
    <div class="state error" role="alert">
      <p>{error.message}</p>
      <button type="button" onClick={retry}>
        Try again
      </button>
    </div>
  );
}

function TokenForm({ message }: { message: string }) {
  const [value, setValue] = useState(token.get());
  return (
    <form
      class="state"
      onSubmit={(e) => {
        e.preventDefault();
        token.set(value.trim());
        location.reload(); // every view (and the page's header) starts again as this tenant
      }}
    >
      <p>
        This Koder Trace serves several tenants: enter your tenant token (the <code>token</code> key of your
        TraceTenant's Secret). It is kept in this browser only.
      </p>
      {token.get() && <p class="hint">The saved token was refused: {message}</p>}
      <label>
        Tenant token <input type="password" value={value} onInput={(e) => setValue(e.currentTarget.value)} />
      </label>{' '}
      <button type="submit">Save</button>
    </form>
  );
}

/** No traces at all yet: how to send the first one. */
export function FirstTrace() {
  const host = location.hostname || 'localhost';
  return (
    <div class="state empty">
      <h2>No traces yet</h2>
      <p>Point any OpenTelemetry SDK at the ingester and run your agent:</p>
      <pre>
        export OTEL_EXPORTER_OTLP_ENDPOINT=http://{host}:4318{'\n'}export OTEL_SERVICE_NAME=my-agent
      </pre>
      <p>
        Or fill this page with realistic agent traces: <code>make demo</code>
      </p>
    </div>
  );
}
