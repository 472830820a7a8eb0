import { readFileSync } from 'node:fs';

import { CANONICAL_FIELDS, MEMBERSHIP_TYPES } from '../profiles/profile.model.js';
import { ADAPTER_KINDS, isAdapterKind, kindDescriptions, producedMembershipTypes, SOURCE_FACTORIES } from './source-registry.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The README's section of one kind: from its `**`kind`**` heading to the next kind's heading or the next `##`. */
function readmeSection(kind: string): string | undefined {
  const start = README.indexOf(`**\`${kind}\`** —`);
  if (start === -1) return undefined;
  const rest = README.slice(start + 1);
  const ends = [rest.search(/\n\*\*`[a-z-]+`\*\* —/), rest.search(/\n#{2,3} /)].filter((i) => i >= 0);
  return rest.slice(0, Math.min(...ends)).replace(/\s+/g, ' ');
}

describe('the registry', () => {
  it('should list the kinds in registry order, each factory under its own kind', () => {
    expect(ADAPTER_KINDS).toStrictEqual(Object.keys(SOURCE_FACTORIES));
    for (const kind of ADAPTER_KINDS) expect(SOURCE_FACTORIES[kind].kind).toBe(kind);
  });

  it('should know exactly the registered kinds', () => {
    for (const kind of ADAPTER_KINDS) expect(isAdapterKind(kind)).toBe(true);
    expect(isAdapterKind('toString')).toBe(false);
    expect(isAdapterKind('')).toBe(false);
    expect(isAdapterKind(undefined)).toBe(false);
  });

  it('should derive the membership types from what the kinds declare, in the canonical order', () => {
    const declared = new Set(kindDescriptions().flatMap(({ description }) => description.membershipTypes));

    expect(producedMembershipTypes()).toStrictEqual(MEMBERSHIP_TYPES.filter((type) => declared.has(type)));
  });
});

describe.each(ADAPTER_KINDS)('the description of kind %s', (kind) => {
  const { description } = SOURCE_FACTORIES[kind];

  it('should list its unsupported fields in canonical order and its membership types in vocabulary order', () => {
    expect(description.unsupportedFields).toStrictEqual(CANONICAL_FIELDS.filter((field) => description.unsupportedFields.includes(field)));
    expect(description.membershipTypes).toStrictEqual(MEMBERSHIP_TYPES.filter((type) => description.membershipTypes.includes(type)));
  });

  it('should declare membership types exactly when memberships are supported', () => {
    expect(description.membershipTypes.length === 0).toBe(description.unsupportedFields.includes('memberships'));
  });

  it('should accept its own example configuration options', () => {
    expect(SOURCE_FACTORIES[kind].validateOptions({ ...description.exampleConfig.options })).toStrictEqual([]);
  });

  describe('in the README', () => {
    const section = readmeSection(kind);

    it('should have a section', () => {
      expect(section).toBeDefined();
    });

    it('should name the same unsupported fields', () => {
      expect(section).toContain(`Unsupported: \`${description.unsupportedFields.join(', ')}\``);
    });

    it('should say whether by=externalId is supported', () => {
      expect(section?.includes('by=externalId')).toBe(description.externalIdRule !== undefined);
    });
  });
});
