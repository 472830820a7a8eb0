import { z } from 'zod';

/**
 * `GET /v2/clients/{client_id}/users/{user_id}` 200 body: a bare `User` (no envelope). Every key is always
 * present upstream; only the documented nullable fields (`last_activity.*`, `departments[].description`) may be null.
 * Ids are checked as non-empty strings only: upstream ids are not always strict UUIDs.
 * Timestamps are strings here; the mapper parses them (required ones fail the body, optional ones become null).
 */
export const scalepadAmmUserSchema = z.object({
  id: z.string().min(1),
  username: z.string(),
  user_key: z.string(),
  last_activity: z.object({
    at: z.string().nullish(),
    desktop_at: z.string().nullish(),
    web_at: z.string().nullish(),
  }),
  departments: z.array(
    z.object({
      id: z.string().min(1),
      name: z.string().nullish(),
      description: z.string().nullish(),
    }),
  ),
  created_at: z.string(),
  updated_at: z.string(),
});

export type ScalepadAmmUser = z.infer<typeof scalepadAmmUserSchema>;
export type ScalepadAmmDepartment = ScalepadAmmUser['departments'][number];

/**
 * Error body (undocumented; NestJS default `HttpException` shape): `{ statusCode, message, error? }`.
 * `message` may be an array (NestJS validation pipes).
 */
export const scalepadAmmErrorSchema = z.object({
  statusCode: z.number(),
  message: z.union([z.string(), z.array(z.string())]),
  error: z.string().optional(),
});

export type ScalepadAmmError = z.infer<typeof scalepadAmmErrorSchema>;
