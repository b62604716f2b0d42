// Loading, error and empty states that say what to do next.
import { useState } from 'preact/hooks';
import { ApiError, api, tenantChoice, token } from './api.ts';
import { useApi } from './use-api.ts';

export const Loading = ({ what }: { what: string }) => (
  <p class="state" role="status" aria-live="polite">
    Loading {what}…
  </p>
);

export function ErrorState({ error, retry }: { error: Error; retry: () => void }) {
  if (error instanceof ApiError && error.status === 401) return <TokenForm message={error.message} />;
  if (error instanceof ApiError && error.tenants.length) return <TenantPicker tenants={error.tenants} />;
  return (
    <div class="state error" role="alert">
      <p>{error.message}</p>
      <button type="button" onClick={retry}>
        Try again
      </button>
    </div>
  );
}

/** Signed in through the proxy and reading several tenants: which one to look at. */
function TenantPicker({ tenants }: { tenants: string[] }) {
  return (
    <div class="state">
      <p>You can read several tenants. Which one?</p>
      <ul class="tenant-picker">
        {tenants.map((t) => (
          <li key={t}>
            <button
              type="button"
              onClick={() => {
                tenantChoice.set(t);
                location.reload();
              }}
            >
              {t}
            </button>
          </li>
        ))}
      </ul>
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

/** An address the ingester listens on, as this browser reaches it (a wildcard host is this page's host). */
const reachable = (address: string) =>
  address.replace(/^(https?:\/\/)?(0\.0\.0\.0|\[::\])(?=:)/, `$1${location.hostname || 'localhost'}`);

/** The tenant has no traces at all yet: how to send the first one, to the ingester's real endpoints. */
export function FirstTrace() {
  const info = useApi('info', api.info);
  if (info.error) return <ErrorState error={info.error} retry={info.reload} />;
  if (!info.data) return <Loading what="how to send traces" />;
  const { ingest, auth } = info.data;
  const headers =
    auth === 'tokens' ? 'export OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer <your tenant token>"\n' : '';
  return (
    <div class="state empty first-trace">
      <h2>No traces yet</h2>
      {ingest ? (
        <>
          <p>Point any OpenTelemetry SDK at the ingester and run your agent:</p>
          <pre>
            {`export OTEL_EXPORTER_OTLP_ENDPOINT=${reachable(ingest.otlpHttp)}\n${headers}export OTEL_SERVICE_NAME=my-agent`}
          </pre>
          <p>
            OTLP/HTTP <code>{reachable(ingest.otlpHttp)}/v1/traces</code> · OTLP/gRPC{' '}
            <code>{reachable(ingest.otlpGrpc)}</code>
          </p>
          <p>
            Or fill this page with realistic agent traces: <code>make demo</code>
            {auth === 'tokens' && ' (with the same OTEL_EXPORTER_OTLP_HEADERS)'}
          </p>
        </>
      ) : (
        <p>
          Point any OpenTelemetry SDK at your Koder Trace ingester with{' '}
          <code>OTEL_EXPORTER_OTLP_ENDPOINT</code>, and your tenant token in{' '}
          <code>OTEL_EXPORTER_OTLP_HEADERS</code>. In Kubernetes, label a namespace{' '}
          <code>trace.koder.dev/tenant=&lt;tenant&gt;</code> and its new pods are wired automatically.
        </p>
      )}
    </div>
  );
}
