import { HealthIndicatorService } from '@nestjs/terminus';

import type { CacheHealth } from '../cache/index.js';
import type { GatewayConfig, SourceConfig } from '../config/config.types.js';
import type { SourceRuntime } from '../sources/source-registry.js';
import { cacheIndicator, configIndicator, type ReadinessInputs, sourcesIndicator } from './readiness.js';

function setup(cache: CacheHealth, runtimes: Array<Pick<SourceRuntime, 'circuitState'> & { name: string; kind: string }> = []) {
  const config = { sources: [{}, {}], auth: { disabled: false, apiKeys: [] } } as unknown as GatewayConfig;
  const inputs: ReadinessInputs = {
    config,
    cacheStatus: () => cache,
    sources: () =>
      runtimes.map(({ name, kind, circuitState }) => ({ config: { name, kind } as SourceConfig, circuitState }) as unknown as SourceRuntime),
  };
  return { indicators: new HealthIndicatorService(), inputs };
}

describe('readiness indicators', () => {
  it('should report the configuration as up with its source count', () => {
    const { indicators, inputs } = setup('up');

    expect(configIndicator(indicators, inputs)).toEqual({ config: { status: 'up', sources: 2, authDisabled: false } });
  });

  it.each([
    ['up', 'up', 'redis'],
    ['memory-only', 'up', 'memory-only'],
    ['degraded', 'degraded', 'redis'],
  ] as const)('should report a %s cache as %s (mode %s)', (cache, status, mode) => {
    const { indicators, inputs } = setup(cache);

    const result = cacheIndicator(indicators, inputs);

    expect(result.cache.status).toBe(status);
    expect(result.cache.mode).toBe(mode);
  });

  it('should list each source with its circuit state and stay up when a circuit is open', () => {
    const { indicators, inputs } = setup('up', [
      { name: 'crm', kind: 'usertour', circuitState: () => 'open' },
      { name: 'analytics', kind: 'vemetric', circuitState: undefined },
    ]);

    expect(sourcesIndicator(indicators, inputs)).toEqual({
      sources: { status: 'up', sources: { crm: { kind: 'usertour', circuit: 'open' }, analytics: { kind: 'vemetric', circuit: 'none' } } },
    });
  });
});
