import { Controller, Get, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { ProblemTypeDocs, ProblemTypeIndexDocs } from '../openapi/problem-route.docs.js';
import { codeOfProblemType, problemTypeIndexPage, problemTypePage } from './problem-types.js';
import { RouteNotFoundError } from './request-errors.js';

const HTML = 'text/html; charset=utf-8';

/** `GET /problems` and `GET /problems/<type>`: what each problem `type` means, as short HTML pages. No key needed. */
@Controller('problems')
export class ProblemsController {
  @Get()
  @ProblemTypeIndexDocs()
  async index(@Res() reply: FastifyReply): Promise<void> {
    await reply.status(200).type(HTML).send(problemTypeIndexPage());
  }

  @Get(':type')
  @ProblemTypeDocs()
  async type(@Param('type') type: string, @Res() reply: FastifyReply): Promise<void> {
    const code = codeOfProblemType(type);
    if (code === undefined) throw new RouteNotFoundError();
    await reply.status(200).type(HTML).send(problemTypePage(code));
  }
}
