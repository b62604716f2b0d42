// Debian's Chromium driven by playwright-core (no browser is downloaded). Where Chromium is missing,
// suites skip with the reason; under CI they fail (make test installs it: scripts/ensure-chromium.sh).
import { execFileSync } from 'node:child_process';
import { type Browser, chromium } from 'playwright-core';
import { type Availability, unavailable } from './testbin.ts';

function chromiumPath(): string | undefined {
  if (process.env.KODER_CHROMIUM) return process.env.KODER_CHROMIUM;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      // not this one
    }
  }
  return undefined;
}

export function requireChromium(): Availability {
  if (chromiumPath()) return { ok: true, reason: '' };
  return unavailable(
    "Chromium not installed: install Debian's chromium (make test does: scripts/ensure-chromium.sh)",
  );
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath() as string,
    // The sandbox needs user namespaces, which containers and root shells often lack.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}
