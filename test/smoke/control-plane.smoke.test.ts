// Proves the test control plane is real: an object created through @kubernetes/client-node is read
// back by the real kubectl.
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControlPlane, startControlPlane } from '../harness/control-plane.ts';
import { requireBinaries, suiteTitle } from '../harness/testbin.ts';

const bins = requireBinaries('etcd', 'kube-apiserver', 'kubectl');

describe.skipIf(!bins.ok)(suiteTitle('control plane (etcd + kube-apiserver + kubectl)', bins), () => {
  let cp: ControlPlane;
  beforeAll(async () => {
    cp = await startControlPlane();
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it('creates a namespace through client-node and reads it back with kubectl', async () => {
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespace({
      body: { metadata: { name: 'smoke', labels: { 'koder.dev/test': 'yes' } } },
    });

    const res = await cp.kubectl(['get', 'ns', 'smoke', '-o', 'json']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const ns = JSON.parse(res.stdout);
    expect(ns.metadata.name).toBe('smoke');
    expect(ns.metadata.labels['koder.dev/test']).toBe('yes');
  });

  it('serves the pinned Kubernetes version', async () => {
    const res = await cp.kubectl(['version', '-o', 'json']);
    expect(res.code).toBe(0);
    const v = JSON.parse(res.stdout);
    expect(v.serverVersion.gitVersion).toMatch(/^v1\.\d+\.\d+$/);
    expect(v.serverVersion.gitVersion).toBe(v.clientVersion.gitVersion);
  });
});
