import { ArrayMinSize, IsArray, IsIn, IsOptional, IsString, ValidateNested, validateSync,type ValidationError as ClassValidationError } from 'class-validator';

import { type FieldProblem, ValidationError } from '../profiles/profile.errors.js';
import type { LookupBy } from '../profiles/profile-source.port.js';

/** One lookup of a batch: the same three inputs as `GET /profiles/:source/:id?by=…`. */
class BatchLookupDto {
  @IsString({ message: 'must be a string' })
  source!: string;

  @IsString({ message: 'must be a string' })
  id!: string;

  @IsOptional()
  @IsIn(['id', 'externalId'], { message: 'must be id or externalId' })
  by?: LookupBy | undefined;
}

/** `POST /profiles/batch` body (contract §7). Unknown fields are ignored. */
class BatchRequestDto {
  @IsArray({ message: 'must be an array of lookups' })
  @ArrayMinSize(1, { message: 'must contain at least one lookup' })
  @ValidateNested({ each: true, message: 'each lookup must be an object' })
  lookups!: BatchLookupDto[];

  @IsOptional()
  @IsArray({ message: 'must be an array of strings' })
  @IsString({ each: true, message: 'each entry must be a string' })
  include?: string[];
}

export interface BatchLookup {
  source: string;
  id: string;
  by: LookupBy;
}

export interface BatchRequest {
  lookups: BatchLookup[];
  includeRaw: boolean;
}

/** `lookups.3.id` in class-validator's tree becomes `lookups[3].id`. */
function fieldProblems(errors: readonly ClassValidationError[], parent: string, into: FieldProblem[]): void {
  for (const error of errors) {
    const field = /^\d+$/.test(error.property) ? `${parent}[${error.property}]` : parent ? `${parent}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) into.push({ field, message });
    if (error.children?.length) fieldProblems(error.children, field, into);
  }
}

function invalid(errors: FieldProblem[]): ValidationError {
  return new ValidationError('The batch request body is invalid', errors);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The DTO instances to validate, built from the known fields only and one level deep: a body nested thousands of
 * levels deep (256 KiB allows about 50,000) is never walked recursively, and unknown fields are dropped.
 */
function toDto(body: Record<string, unknown>): BatchRequestDto {
  const dto = new BatchRequestDto();
  const lookups = body.lookups;
  dto.lookups = (
    Array.isArray(lookups)
      ? lookups.map((item: unknown) => (isObject(item) ? Object.assign(new BatchLookupDto(), { source: item.source, id: item.id, by: item.by }) : item))
      : lookups
  ) as BatchLookupDto[];
  if (body.include !== undefined) dto.include = body.include as string[];
  return dto;
}

/**
 * Checks a parsed batch body and returns what the batch asks for.
 * @throws ValidationError naming each problem's field path (`lookups[3].id`); nothing is looked up then
 */
export function parseBatchRequest(body: unknown, maxLookups: number): BatchRequest {
  if (!isObject(body)) {
    throw invalid([{ field: 'body', message: 'must be a JSON object with a lookups array' }]);
  }
  const lookups = (body as { lookups?: unknown }).lookups;
  // Checked before the items, so an oversized list is refused without validating every item.
  if (Array.isArray(lookups) && lookups.length > maxLookups) {
    throw invalid([{ field: 'lookups', message: `must contain at most ${maxLookups} lookups` }]);
  }
  const dto = toDto(body);
  const problems: FieldProblem[] = [];
  fieldProblems(validateSync(dto, { forbidUnknownValues: false, validationError: { target: false, value: false } }), '', problems);
  if (problems.length > 0) throw invalid(problems);
  return {
    lookups: dto.lookups.map((lookup) => ({ source: lookup.source, id: lookup.id, by: lookup.by ?? 'id' })),
    includeRaw: dto.include?.includes('raw') ?? false,
  };
}
