import type { JsonObject } from '../../../profiles/profile.model.js';

/** Usertour v1 `GET /v1/users/:id` bodies and error bodies, as the upstream sends them. */

/** No `expand`: `companies` and `memberships` are present and null. */
export const usertourNoExpand: JsonObject = {
  id: 'usr_123456789',
  object: 'user',
  attributes: {
    name: 'John Doe',
    email: 'john.doe@example.com',
    signed_up_at: '2024-03-20T08:30:00.000Z',
  },
  createdAt: '2024-03-20T08:31:02.114Z',
  companies: null,
  memberships: null,
};

/** `?expand[]=memberships` only: memberships carry no `company` key; `companyId`/`userId` are internal cuids. */
export const usertourMembershipsOnly: JsonObject = {
  id: '1744521292871a',
  object: 'user',
  attributes: {},
  createdAt: '2025-04-27T13:39:47.024Z',
  companies: null,
  memberships: [
    {
      id: 'cma9nhdis0002108kpmr9vfrl',
      object: 'companyMembership',
      attributes: { role: 'admin' },
      createdAt: '2025-05-04T12:51:10.881Z',
      companyId: 'cm9zp4wyh00116pt4o5v5vg5t',
      userId: 'cm9zp4wyb000z6pt484wnbzs7',
    },
  ],
};

const acmeCorp: JsonObject = {
  id: 'acme-corp',
  object: 'company',
  attributes: { name: 'Acme Corp', domain: 'acme.com' },
  createdAt: '2025-04-27T13:39:47.024Z',
};

/** `?expand[]=memberships&expand[]=memberships.company&expand[]=companies`. */
export const usertourFullyExpanded: JsonObject = {
  id: '1744521292871a',
  object: 'user',
  attributes: { name: 'Ada', plan: 'pro', seats: 5, beta: true },
  createdAt: '2025-04-27T13:39:47.024Z',
  companies: [acmeCorp],
  memberships: [
    {
      id: 'cma9nhdis0002108kpmr9vfrl',
      object: 'companyMembership',
      attributes: { role: 'admin' },
      createdAt: '2025-05-04T12:51:10.881Z',
      companyId: 'cm9zp4wyh00116pt4o5v5vg5t',
      userId: 'cm9zp4wyb000z6pt484wnbzs7',
      company: acmeCorp,
    },
  ],
};

/** Expanded, but the user belongs to no company. */
export const usertourExpandedNoCompanies: JsonObject = {
  id: 'user@example.com',
  object: 'user',
  attributes: { name: 'Solo', email: 'user@example.com' },
  createdAt: '2026-01-02T03:04:05.678Z',
  companies: [],
  memberships: [],
};

/** The user behind the canonical example of the contract, as sent with the gateway's two `expand[]` values. */
export const usertourContractExample: JsonObject = {
  id: 'usr_123456789',
  object: 'user',
  attributes: { name: 'John Doe', email: 'john.doe@example.com', role: 'admin' },
  createdAt: '2024-03-20T08:30:00.000Z',
  companies: null,
  memberships: [
    {
      id: 'cma9nhdis0002108kpmr9vfrl',
      object: 'companyMembership',
      attributes: { role: 'admin' },
      createdAt: '2024-03-20T08:30:00.000Z',
      companyId: 'cm9zp4wyh00116pt4o5v5vg5t',
      userId: 'cm9zp4wyb000z6pt484wnbzs7',
      company: {
        id: 'acme-corp',
        object: 'company',
        attributes: { name: 'Acme Corp', domain: 'acme.com' },
        createdAt: '2024-03-20T08:30:00.000Z',
      },
    },
  ],
};

/**
 * Memberships in every shape the mapper must handle, in this order: a complete one; one without `company`;
 * a company with `attributes: {}` and a non-string role; a company whose `name` is not a string and a
 * membership with `attributes: {}`.
 */
export const usertourMixedMemberships: JsonObject = {
  id: 'mixed-1',
  object: 'user',
  attributes: { name: 'Mixed', email: 'mixed@example.com' },
  createdAt: '2025-06-01T10:00:00.000Z',
  companies: null,
  memberships: [
    {
      id: 'cmb000000000000000000001',
      object: 'companyMembership',
      attributes: { role: 'owner', seat: 1 },
      createdAt: '2025-06-01T10:00:00.000Z',
      companyId: 'cmc000000000000000000001',
      userId: 'cmu000000000000000000001',
      company: {
        id: 'globex',
        object: 'company',
        attributes: { name: 'Globex', tier: 'gold' },
        createdAt: '2025-06-01T10:00:00.000Z',
      },
    },
    {
      id: 'cmb000000000000000000002',
      object: 'companyMembership',
      attributes: { role: 'member' },
      createdAt: '2025-06-01T10:00:00.000Z',
      companyId: 'cmc000000000000000000002',
      userId: 'cmu000000000000000000001',
    },
    {
      id: 'cmb000000000000000000003',
      object: 'companyMembership',
      attributes: { role: 3 },
      createdAt: '2025-06-01T10:00:00.000Z',
      companyId: 'cmc000000000000000000003',
      userId: 'cmu000000000000000000001',
      company: { id: 'initech', object: 'company', attributes: {}, createdAt: '2025-06-01T10:00:00.000Z' },
    },
    {
      id: 'cmb000000000000000000004',
      object: 'companyMembership',
      attributes: {},
      createdAt: '2025-06-01T10:00:00.000Z',
      companyId: 'cmc000000000000000000004',
      userId: 'cmu000000000000000000001',
      company: {
        id: 'umbrella/eu 🌂',
        object: 'company',
        attributes: { name: 42, domain: 'umbrella.example' },
        createdAt: '2025-06-01T10:00:00.000Z',
      },
    },
  ],
};

/** Customer attributes of every JSON type; `name` and `email` are not strings. */
export const usertourEveryJsonType: JsonObject = {
  id: 'Ünïcødé user/with spaces & ..',
  object: 'user',
  attributes: {
    name: 12345,
    email: ['a@example.com', 'b@example.com'],
    plan: 'pro',
    seats: 5,
    ratio: -0.25,
    beta: true,
    churned: false,
    manager: null,
    tags: ['a', 1, true, null, { nested: ['deep'] }],
    address: { city: 'Zürich', geo: { lat: 47.37, lng: 8.54 } },
    signed_up_at: '2024-03-20T08:30:00.000Z',
    empty: '',
  },
  createdAt: '2025-04-27T13:39:47Z',
  companies: null,
  memberships: null,
};

const DOC_URL = 'https://docs.usertour.io';

/** Error bodies of the OpenAPI exception filter, and Nest's default 404 for an unknown route. */
export const usertourErrorBodies = {
  missingApiKey: { error: { code: 'E1010', message: 'Missing API key', doc_url: DOC_URL } },
  invalidApiKey: { error: { code: 'E1000', message: 'Invalid API key provided', doc_url: DOC_URL } },
  userNotFound: { error: { code: 'E1001', message: 'User not found', doc_url: DOC_URL } },
  invalidExpand: {
    error: {
      code: 'E1017',
      message: 'each value in expand must be one of the following values: companies, memberships, memberships.company',
      doc_url: DOC_URL,
    },
  },
  tooManyRequests: { error: { code: 'E1013', message: 'Too many requests', doc_url: DOC_URL } },
  serviceUnavailable: { error: { code: 'E1014', message: 'Service unavailable', doc_url: DOC_URL } },
  unexpected: { error: { code: 'E0000', message: 'An unexpected error occurred', doc_url: DOC_URL } },
  routeNotFound: { statusCode: 404, message: 'Cannot GET /v1/userz/x', error: 'Not Found' },
} satisfies Record<string, JsonObject>;
