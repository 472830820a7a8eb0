import { DEFAULT_CONCURRENCY, parseWarmArgs, UsageError } from './warm-args.js';

describe('parseWarmArgs', () => {
  it('should apply the defaults when only --source and --ids are given', () => {
    const result = parseWarmArgs(['--source', 'crm', '--ids', 'ids.txt']);

    expect(result).toEqual({ help: false, source: 'crm', ids: 'ids.txt', concurrency: DEFAULT_CONCURRENCY, onlyMissing: false, json: false, by: 'id', purgeFirst: false });
  });

  it('should read every option, in = form too, and - for stdin', () => {
    const result = parseWarmArgs(['--source=crm', '--ids', '-', '--concurrency=8', '--only-missing', '--json']);

    expect(result).toEqual({ help: false, source: 'crm', ids: '-', concurrency: 8, onlyMissing: true, json: true, by: 'id', purgeFirst: false });
  });

  it('should answer help when -h or --help is given, even without the required options', () => {
    expect(parseWarmArgs(['-h'])).toEqual({ help: true });
    expect(parseWarmArgs(['--source', 'crm', '--help'])).toEqual({ help: true });
  });

  it.each([
    [['--ids', 'ids.txt'], /--source/],
    [['--source', 'crm'], /--ids/],
    [['--source', '', '--ids', 'x'], /--source/],
  ])('should throw UsageError when a required option is missing (%j)', (args, message) => {
    expect(() => parseWarmArgs(args)).toThrow(UsageError);
    expect(() => parseWarmArgs(args)).toThrow(message);
  });

  it.each(['0', '-1', '1.5', 'four', '10001', ' '])('should throw UsageError for --concurrency %j', (value) => {
    expect(() => parseWarmArgs(['--source', 'crm', '--ids', 'x', `--concurrency=${value}`])).toThrow(/--concurrency must be a whole number/);
  });

  it('should throw UsageError naming the option when an option is unknown, or for a positional argument', () => {
    expect(() => parseWarmArgs(['--source', 'crm', '--ids', 'x', '--verbose'])).toThrow("Unknown option '--verbose'");
    expect(() => parseWarmArgs(['--source', 'crm', '--ids', 'x', 'extra'])).toThrow(UsageError);
  });

  it('should throw UsageError when an option that takes a value has none', () => {
    expect(() => parseWarmArgs(['--ids', 'x', '--source'])).toThrow(UsageError);
  });

  it('should read --by externalId and --purge-first', () => {
    expect(parseWarmArgs(['--source', 'crm', '--ids', 'x', '--by', 'externalId', '--purge-first'])).toMatchObject({ by: 'externalId', purgeFirst: true });
    expect(parseWarmArgs(['--source', 'crm', '--ids', 'x', '--by=id'])).toMatchObject({ by: 'id', purgeFirst: false });
  });

  it.each([
    [['--by', 'email'], /--by must be id or externalId/],
    [['--purge-first', '--only-missing'], /exclude each other/],
  ])('should throw UsageError for %j', (extra, message) => {
    expect(() => parseWarmArgs(['--source', 'crm', '--ids', 'x', ...extra])).toThrow(UsageError);
    expect(() => parseWarmArgs(['--source', 'crm', '--ids', 'x', ...extra])).toThrow(message);
  });
});
