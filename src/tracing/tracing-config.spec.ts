import { ConfigError, type ConfigProblem, parseConfig } from '../config/config.loader.js';
import type { GatewayConfig } from '../config/config.types.js';
import { ADAPTER_KINDS } from '../sources/source-registry.js';

const SOURCES = `
auth: { disabled: true }
sources:
  crm:
    kind: usertour
    baseUrl: https://api.usertour.io
    token: tok
`;

function parse(tracing: string, env: Record<string, string> = {}): GatewayConfig {
  return parseConfig(SOURCES + tracing, { kinds: ADAPTER_KINDS, env });
}

function problemsOf(tracing: string): ConfigProblem[] {
  try {
    parse(tracing);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('the configuration was accepted');
}

/** The `tracing` section of the configuration file (contract section 6). */
describe('tracing configuration', () => {
  it('should leave tracing off without a tracing section', () => {
    expect(parse('').tracing).toBeUndefined();
  });

  it('should default serviceName to profile-gateway and sampleRatio to 1', () => {
    expect(parse('tracing:\n  otlpEndpoint: http://127.0.0.1:4318/v1/traces\n').tracing).toEqual({
      otlpEndpoint: 'http://127.0.0.1:4318/v1/traces',
      serviceName: 'profile-gateway',
      sampleRatio: 1,
    });
  });

  it('should read every key, numbers also from interpolated strings', () => {
    const tracing = parse('tracing:\n  otlpEndpoint: ${OTLP}\n  serviceName: gateway-eu\n  sampleRatio: ${RATIO}\n', {
      OTLP: 'https://collector.example.com/v1/traces',
      RATIO: '0.25',
    }).tracing;

    expect(tracing).toEqual({ otlpEndpoint: 'https://collector.example.com/v1/traces', serviceName: 'gateway-eu', sampleRatio: 0.25 });
  });

  it.each([
    ['a missing otlpEndpoint', 'tracing:\n  sampleRatio: 1\n', 'tracing.otlpEndpoint', 'is required'],
    ['an otlpEndpoint that is not http(s)', 'tracing:\n  otlpEndpoint: grpc://127.0.0.1:4317\n', 'tracing.otlpEndpoint', 'must be an http(s) URL'],
    ['a sampleRatio above 1', 'tracing:\n  otlpEndpoint: http://c:4318/v1/traces\n  sampleRatio: 2\n', 'tracing.sampleRatio', 'must be a number from 0 to 1'],
    ['a sampleRatio that is not a number', 'tracing:\n  otlpEndpoint: http://c:4318/v1/traces\n  sampleRatio: all\n', 'tracing.sampleRatio', 'must be a number from 0 to 1'],
    ['an empty serviceName', 'tracing:\n  otlpEndpoint: http://c:4318/v1/traces\n  serviceName: ""\n', 'tracing.serviceName', 'must not be empty'],
    ['an empty section', 'tracing:\n', 'tracing', 'must be a mapping'],
  ])('should refuse %s', (_case, tracing, path, message) => {
    expect(problemsOf(tracing)).toEqual([{ path, message }]);
  });

  it('should refuse unknown keys in the section', () => {
    expect(problemsOf('tracing:\n  otlpEndpoint: http://c:4318/v1/traces\n  sampleRate: 1\n')).toEqual([
      expect.objectContaining({ path: 'tracing.sampleRate' }),
    ]);
  });
});
