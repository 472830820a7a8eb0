import { applyDecorators } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';

import { PROBLEM_CONTENT_TYPE, PROBLEMS_PATH, problemTypeOf } from '../common/problem.js';
import { ERROR_CODES } from '../profiles/profile.errors.js';
import { problemResponse, REQUEST_ID_HEADER } from './profile-route.docs.js';

const HTML_PAGE = { 'text/html': { schema: { type: 'string' as const } } };

/** OpenAPI description of `GET /problems`. */
export function ProblemTypeIndexDocs(): MethodDecorator {
  return applyDecorators(
    ApiTags('problems'),
    ApiOperation({
      operationId: 'listProblemTypes',
      summary: 'Every problem type of the gateway',
      description: 'A short HTML page listing every problem `code` with its status and a link to its page. No API key needed.',
    }),
    ApiProduces('text/html', PROBLEM_CONTENT_TYPE),
    ApiResponse({ status: 200, description: 'The list (HTML)', headers: REQUEST_ID_HEADER, content: HTML_PAGE }),
  );
}

/** OpenAPI description of `GET /problems/{type}`. */
export function ProblemTypeDocs(): MethodDecorator {
  return applyDecorators(
    ApiTags('problems'),
    ApiOperation({
      operationId: 'getProblemType',
      summary: 'What one problem type means',
      description:
        'The page a problem `type` points to: what the code means, whether retrying helps, and which `Retry-After` applies. No API key needed.',
    }),
    ApiParam({
      name: 'type',
      description: `The last segment of a problem \`type\`: the code in lower case with \`-\` for \`_\` (${ERROR_CODES.map((code) => problemTypeOf(code).slice(PROBLEMS_PATH.length + 1)).join(', ')}); any other value is 404`,
      schema: { type: 'string' },
      example: 'upstream-timeout',
    }),
    ApiProduces('text/html', PROBLEM_CONTENT_TYPE),
    ApiResponse({ status: 200, description: 'The explanation (HTML)', headers: REQUEST_ID_HEADER, content: HTML_PAGE }),
    ApiResponse(problemResponse(404, 'NOT_FOUND: no problem type of that name')),
  );
}
