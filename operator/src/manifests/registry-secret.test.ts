import { describe, expect, it } from 'vitest';
import { parseOperatorArgs } from '../config.ts';
import { registrySecret } from './registry-secret.ts';

const cfg = parseOperatorArgs(['--namespace', 'koder-trace', '--registry-secret', 'kt-registry'], {});

describe('registrySecret', () => {
  it('holds each signing secret under the file name the ingester config gives it', () => {
    const s = registrySecret(
      cfg,
      new Map([
        ['ml/prompt-hub/signing', 'whsec-1'],
        ['team-a/hook/key.v2', 'whsec-2'],
      ]),
    );
    expect(s?.metadata).toMatchObject({ name: 'kt-registry', namespace: 'koder-trace' });
    expect(s?.data).toEqual({
      'ml.prompt-hub.signing': Buffer.from('whsec-1').toString('base64'),
      'team-a.hook.key.v2': Buffer.from('whsec-2').toString('base64'),
    });
  });
  it('is not wanted without values or without --registry-secret (one left is pruned)', () => {
    expect(registrySecret(cfg, new Map())).toBeUndefined();
    const without = parseOperatorArgs(['--namespace', 'koder-trace'], {});
    expect(registrySecret(without, new Map([['ml/a/b', 'x']]))).toBeUndefined();
  });
});
