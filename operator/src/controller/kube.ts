// The operator's only door to the API server. Objects are written with server-side apply under our
// field manager (forced: the operator owns these fields), statuses through the status subresource,
// and Events for what a user should see in `kubectl describe`.
import {
  AdmissionregistrationV1Api,
  CoreV1Api,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  type V1ConfigMap,
  type V1MutatingWebhookConfiguration,
  type V1Secret,
} from '@kubernetes/client-node';
import { GROUP, VERSION } from '../api/crds.ts';
import { rawWrite } from './raw-json.ts';

export interface Kube {
  apply<T extends KubernetesObject>(obj: T): Promise<T>;
  /** Deletes the object (by apiVersion, kind, namespace and name); one already gone counts as deleted. */
  delete(obj: KubernetesObject): Promise<void>;
  /** Objects of a kind carrying `labelSelector`, in `namespace` (all namespaces, or cluster-scoped: undefined). */
  list(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    labelSelector: string,
  ): Promise<KubernetesObject[]>;
  /** Returns undefined when the object does not exist (so do the other read methods). */
  readSecret(namespace: string, name: string): Promise<V1Secret | undefined>;
  readConfigMap(namespace: string, name: string): Promise<V1ConfigMap | undefined>;
  createSecret(secret: V1Secret): Promise<'created' | 'exists'>;
  /** Replaces the Secret only if it is still at `secret.metadata.resourceVersion`: 'conflict' if not. */
  replaceSecret(secret: V1Secret): Promise<'replaced' | 'conflict'>;
  deleteSecret(namespace: string, name: string): Promise<void>;
  readWebhookConfiguration(name: string): Promise<V1MutatingWebhookConfiguration | undefined>;
  patchStatus(plural: string, namespace: string, name: string, status: unknown): Promise<void>;
  event(
    involved: KubernetesObject & { metadata?: { uid?: string } },
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): Promise<void>;
}

function statusCode(err: unknown): number | undefined {
  const e = err as { code?: number; statusCode?: number; response?: { statusCode?: number } };
  return e.code ?? e.statusCode ?? e.response?.statusCode;
}

const MERGE_PATCH = 'application/merge-patch+json';

export function createKube(kc: KubeConfig, fieldManager: string, component: string): Kube {
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const core = kc.makeApiClient(CoreV1Api);
  // The writes there is one of per tenant (its token Secret, its status) go as plain JSON: at 10,000
  // tenants client-node's typed round trip (serialise, deserialise into classes) was most of the
  // operator's CPU while the API server, on the same cores, was the bottleneck.
  const manager = new URLSearchParams({ fieldManager }).toString();
  const admission = kc.makeApiClient(AdmissionregistrationV1Api);
  return {
    apply: (obj) =>
      objects.patch(obj, undefined, undefined, fieldManager, true, PatchStrategy.ServerSideApply),
    async delete(obj) {
      try {
        await objects.delete(obj);
      } catch (err) {
        if (statusCode(err) !== 404) throw err;
      }
    },
    async list(apiVersion, kind, namespace, labelSelector) {
      const list = await objects.list(
        apiVersion,
        kind,
        namespace,
        undefined,
        undefined,
        undefined,
        undefined,
        labelSelector,
      );
      return list.items;
    },
    async readSecret(namespace, name) {
      try {
        return await core.readNamespacedSecret({ namespace, name });
      } catch (err) {
        if (statusCode(err) === 404) return undefined;
        throw err;
      }
    },
    async readConfigMap(namespace, name) {
      try {
        return await core.readNamespacedConfigMap({ namespace, name });
      } catch (err) {
        if (statusCode(err) === 404) return undefined;
        throw err;
      }
    },
    async createSecret(secret) {
      try {
        const ns = encodeURIComponent(secret.metadata?.namespace ?? 'default');
        await rawWrite(kc, 'POST', `/api/v1/namespaces/${ns}/secrets?${manager}`, secret);
        return 'created';
      } catch (err) {
        if (statusCode(err) === 409) return 'exists';
        throw err;
      }
    },
    async replaceSecret(secret) {
      try {
        await core.replaceNamespacedSecret({
          namespace: secret.metadata?.namespace ?? 'default',
          name: secret.metadata?.name ?? '',
          body: secret,
          fieldManager,
        });
        return 'replaced';
      } catch (err) {
        if (statusCode(err) === 409) return 'conflict';
        throw err;
      }
    },
    async deleteSecret(namespace, name) {
      try {
        await core.deleteNamespacedSecret({ namespace, name });
      } catch (err) {
        if (statusCode(err) !== 404) throw err;
      }
    },
    async readWebhookConfiguration(name) {
      try {
        return await admission.readMutatingWebhookConfiguration({ name });
      } catch (err) {
        if (statusCode(err) === 404) return undefined;
        throw err;
      }
    },
    async patchStatus(plural, namespace, name, status) {
      const path = `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(namespace)}/${plural}/${encodeURIComponent(name)}/status`;
      await rawWrite(kc, 'PATCH', `${path}?${manager}`, { status }, MERGE_PATCH);
    },
    async event(involved, type, reason, message) {
      const ns = involved.metadata?.namespace ?? 'default';
      const now = new Date();
      await core.createNamespacedEvent({
        namespace: ns,
        body: {
          metadata: { generateName: `${involved.metadata?.name}.`, namespace: ns },
          involvedObject: {
            apiVersion: involved.apiVersion,
            kind: involved.kind,
            name: involved.metadata?.name,
            namespace: ns,
            uid: involved.metadata?.uid,
          },
          type,
          reason,
          message,
          source: { component },
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
          reportingComponent: component,
        },
      });
    },
  };
}

/** A request the API server has not answered within this long fails (and is retried by the caller). */
export const REQUEST_DEADLINE_MS = 60_000;

/**
 * `kube` with every call failing after `ms` if still unanswered: client-node sets no deadline, and one
 * request that never settles (a stream lost with its connection) would stall a reconcile for good.
 */
export function withDeadline(kube: Kube, ms = REQUEST_DEADLINE_MS): Kube {
  const timed =
    <A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${name}: no answer from the API server in ${ms} ms`)), ms);
        timer.unref();
      });
      return Promise.race([fn(...args), deadline]).finally(() => clearTimeout(timer));
    };
  return {
    apply: (obj) => timed('apply', kube.apply)(obj),
    delete: timed('delete', kube.delete),
    list: timed('list', kube.list),
    readSecret: timed('readSecret', kube.readSecret),
    readConfigMap: timed('readConfigMap', kube.readConfigMap),
    createSecret: timed('createSecret', kube.createSecret),
    replaceSecret: timed('replaceSecret', kube.replaceSecret),
    deleteSecret: timed('deleteSecret', kube.deleteSecret),
    readWebhookConfiguration: timed('readWebhookConfiguration', kube.readWebhookConfiguration),
    patchStatus: timed('patchStatus', kube.patchStatus),
    event: timed('event', kube.event),
  };
}

/** Refused write: this replica is not (or no longer) the leader. */
export class NotLeaderError extends Error {
  override name = 'NotLeaderError';
}

/**
 * The same client with every write checked against `canWrite()` right before it is sent, so a replica
 * that lost leadership mid-run (paused, partitioned) stops at its next write. Reads pass through.
 */
export function guardWrites(kube: Kube, canWrite: () => boolean): Kube {
  /** fn, run only while this replica may write (else a rejected promise, nothing sent). */
  const checked =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      if (!canWrite()) throw new NotLeaderError('not the leader: write refused');
      return fn(...args);
    };
  return {
    ...kube,
    apply: (obj) => checked(kube.apply)(obj),
    delete: checked(kube.delete),
    createSecret: checked(kube.createSecret),
    replaceSecret: checked(kube.replaceSecret),
    deleteSecret: checked(kube.deleteSecret),
    patchStatus: checked(kube.patchStatus),
    event: checked(kube.event),
  };
}

/** The same client, calling `onWrite()` after every write the API server accepted (Events included). */
export function countWrites(kube: Kube, onWrite: () => void): Kube {
  const counted =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>, wrote: (r: R) => boolean = () => true) =>
    async (...args: A): Promise<R> => {
      const r = await fn(...args);
      if (wrote(r)) onWrite();
      return r;
    };
  return {
    ...kube,
    apply: (obj) => counted(kube.apply)(obj),
    delete: counted(kube.delete),
    createSecret: counted(kube.createSecret, (r) => r === 'created'),
    replaceSecret: counted(kube.replaceSecret, (r) => r === 'replaced'),
    deleteSecret: counted(kube.deleteSecret),
    patchStatus: counted(kube.patchStatus),
    event: counted(kube.event),
  };
}
