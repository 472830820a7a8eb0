import { createHash } from 'node:crypto';

import type { JsonObject, JsonValue } from '../../../src/profiles/profile.model.js';
import type { FakeHandler, FakeRequest, FakeResponse } from '../../fake-upstream.js';

export interface UsertourFakeCompany {
  /** The customer's own company id (`BizCompany.externalId`). */
  id: string;
  /** Usertour's internal cuid, sent as the membership's `companyId`; derived from `id` when absent. */
  internalId?: string;
  /** `BizCompany.data`; null or absent is sent as `{}`. */
  attributes?: JsonObject | null;
  /** Defaults to the user's `createdAt`. */
  createdAt?: string;
}

export interface UsertourFakeMembership {
  /** cuid of the membership row; derived when absent. */
  id?: string;
  /** `BizUserOnCompany.data` (e.g. `{ role: 'admin' }`); null or absent is sent as `{}`. */
  attributes?: JsonObject | null;
  /** Defaults to the user's `createdAt`. */
  createdAt?: string;
  company: UsertourFakeCompany;
}

export interface UsertourFakeUser {
  /** The customer's own user id (`BizUser.externalId`): any non-blank string. */
  id: string;
  /** Usertour's internal cuid, sent as the membership's `userId`; derived from `id` when absent. */
  internalId?: string;
  /** `BizUser.data`; null or absent is sent as `{}`. */
  attributes?: JsonObject | null;
  createdAt: string;
  /** In database order; `companies[]` and `memberships[]` are both rendered from this list. */
  memberships?: UsertourFakeMembership[];
}

/** One environment of a Usertour project: its access tokens and its users. */
export interface UsertourFakeData {
  /**
   * Active access tokens as stored (bare cuids). Callers may present them with or without the `ak_` prefix;
   * any other token, inactive ones included, is answered 403.
   */
  tokens: string[];
  users: UsertourFakeUser[];
  /** `doc_url` of error bodies (upstream: the `DOC_URL` setting, default `https://docs.usertour.io`). */
  docUrl?: string;
}

const EXPAND_VALUES = ['companies', 'memberships', 'memberships.company'] as const;
type ExpandValue = (typeof EXPAND_VALUES)[number];

const INVALID_EXPAND_MESSAGE = `each value in expand must be one of the following values: ${EXPAND_VALUES.join(', ')}`;

/** `expand`, `expand[]` and `expand[0]` all feed the same array in Express's qs parsing. */
const EXPAND_KEY = /^expand(?:\[\d*\])?$/;

/** A stable cuid-like id (25 characters starting with `c`), so internal ids differ from the customer's ids. */
function cuidOf(kind: string, externalId: string): string {
  return 'c' + createHash('sha256').update(`${kind}:${externalId}`).digest('hex').slice(0, 24);
}

function isExpandValue(value: string): value is ExpandValue {
  return (EXPAND_VALUES as readonly string[]).includes(value);
}

function renderCompany(company: UsertourFakeCompany, fallbackCreatedAt: string): JsonObject {
  return {
    id: company.id,
    object: 'company',
    attributes: company.attributes ?? {},
    createdAt: company.createdAt ?? fallbackCreatedAt,
  };
}

/** The 200 body of `mapBizUserToUser`: key order, nulls and the absent `company` key as upstream. */
function renderUser(user: UsertourFakeUser, expand: ReadonlySet<ExpandValue>): JsonObject {
  const rows = user.memberships ?? [];
  const withMemberships = expand.has('memberships') || expand.has('memberships.company');
  const withCompany = expand.has('memberships.company');
  const userInternalId = user.internalId ?? cuidOf('user', user.id);
  const memberships: JsonValue = withMemberships
    ? rows.map((row) => {
        const membership: JsonObject = {
          id: row.id ?? cuidOf('membership', `${user.id}/${row.company.id}`),
          object: 'companyMembership',
          attributes: row.attributes ?? {},
          createdAt: row.createdAt ?? user.createdAt,
          companyId: row.company.internalId ?? cuidOf('company', row.company.id),
          userId: userInternalId,
        };
        if (withCompany) membership.company = renderCompany(row.company, user.createdAt);
        return membership;
      })
    : null;
  return {
    id: user.id,
    object: 'user',
    attributes: user.attributes ?? {},
    createdAt: user.createdAt,
    companies: expand.has('companies') ? rows.map((row) => renderCompany(row.company, user.createdAt)) : null,
    memberships,
  };
}

/** `OpenAPIKeyGuard`: split on one space, `Bearer` scheme, optional `ak_` prefix. */
function authenticate(request: FakeRequest, data: UsertourFakeData): 'ok' | 'missing' | 'invalid' {
  const header = request.headers.authorization;
  if (typeof header !== 'string' || header === '') return 'missing';
  // As upstream: only the first two space-separated parts are read.
  const [type, token] = header.split(' ');
  if (type !== 'Bearer' || token === undefined || token === '') return 'missing';
  const accessToken = token.startsWith('ak_') ? token.slice(3) : token;
  return data.tokens.includes(accessToken) ? 'ok' : 'invalid';
}

/**
 * Usertour v1 `GET /v1/users/:id` as upstreams.md section 3 describes: auth (401 `E1010` for a missing or
 * non-`Bearer` header, 403 `E1000` for an unknown or inactive key), then `expand` validation (400 `E1017`;
 * comma-joined values are not split), then the lookup (404 `E1001`). Unknown routes get Nest's default 404
 * body, without auth. No rate limiting (v1 has none). Messages are the English ones (upstream localizes them
 * only for `Accept-Language: zh-CN`), and the default 404 message carries the path without the query.
 */
export function usertourFake(data: UsertourFakeData): FakeHandler {
  const docUrl = data.docUrl ?? 'https://docs.usertour.io';
  const headers = { 'content-type': 'application/json; charset=utf-8' };
  const error = (status: number, code: string, message: string): FakeResponse => ({
    status,
    headers,
    body: { error: { code, message, doc_url: docUrl } },
  });

  return (request) => {
    const [v1, users, id, trailing, ...rest] = request.segments;
    // Express matches `/v1/users/:id` and, with non-strict routing, `/v1/users/:id/`.
    const routed =
      request.method === 'GET' && v1 === 'v1' && users === 'users' && id !== undefined && id !== '' && (trailing === undefined || trailing === '') && rest.length === 0;
    if (!routed) {
      return {
        status: 404,
        headers,
        body: { statusCode: 404, message: `Cannot ${request.method} ${request.rawPath}`, error: 'Not Found' },
      };
    }

    switch (authenticate(request, data)) {
      case 'missing':
        return error(401, 'E1010', 'Missing API key');
      case 'invalid':
        return error(403, 'E1000', 'Invalid API key provided');
      case 'ok':
        break;
    }

    const requested = request.query.filter(([key]) => EXPAND_KEY.test(key)).map(([, value]) => value);
    if (!requested.every(isExpandValue)) return error(400, 'E1017', INVALID_EXPAND_MESSAGE);

    const user = data.users.find((candidate) => candidate.id === id);
    if (!user) return error(404, 'E1001', 'User not found');
    return { status: 200, headers, body: renderUser(user, new Set(requested)) };
  };
}
