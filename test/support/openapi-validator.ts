import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

/** ajv-formats is CommonJS: its default export arrives as the module object under ES modules. */
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

interface MediaType {
  schema?: object;
}
interface ResponseObject {
  content?: Record<string, MediaType>;
}
interface OperationObject {
  responses: Record<string, ResponseObject>;
}
type PathItem = Partial<Record<string, OperationObject>>;
interface Document {
  paths: Record<string, PathItem>;
  components?: { schemas?: Record<string, object> };
}

export interface ObservedResponse {
  method: string;
  /** Path and query as sent. */
  target: string;
  status: number;
  /** `Content-Type` as received, if any. */
  contentType: string | null;
  text: string;
}

/** Statuses any path can answer before a route is chosen (malformed request, unknown path, head too large). */
const UNROUTED_STATUSES = new Set([400, 404, 431]);
const PROBLEM_TYPE = 'application/problem+json';

function pathRegex(template: string): RegExp {
  const escaped = template
    .split(/\{[^}]+\}/)
    .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
    .join('[^/]+');
  return new RegExp(`^${escaped}$`);
}

/**
 * Checks responses against the gateway's OpenAPI document, with a maintained validator (ajv, over the schemas that
 * swagger-parser validated and dereferenced): the status is documented for the operation, the content type is one the
 * response declares (or there is no body when it declares none, and always for HEAD), and a JSON body matches the
 * schema. A path the document does not have must be a documented problem answer (400, 404 or 431); a method a
 * documented path does not serve must be 405.
 */
export class ResponseValidator {
  private readonly ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictTuples: false });
  private readonly compiled = new WeakMap<object, ValidateFunction>();
  private readonly paths: { template: string; regex: RegExp; item: PathItem }[];

  private constructor(private readonly document: Document) {
    // OpenAPI annotations ajv does not know as JSON Schema keywords (`nullable` it knows).
    this.ajv.addVocabulary(['example', 'xml', 'externalDocs', 'discriminator']);
    addFormats(this.ajv);
    // Literal paths before templated ones, as a router would match them.
    this.paths = Object.entries(document.paths)
      .map(([template, item]) => ({ template, regex: pathRegex(template), item }))
      .sort((a, b) => Number(a.template.includes('{')) - Number(b.template.includes('{')));
  }

  /** Validates the document as OpenAPI (swagger-parser), then builds the validator from its dereferenced copy. */
  static async of(document: unknown): Promise<ResponseValidator> {
    await SwaggerParser.validate(structuredClone(document) as never);
    const dereferenced = (await SwaggerParser.dereference(structuredClone(document) as never)) as unknown as Document;
    return new ResponseValidator(dereferenced);
  }

  /** Every way the response departs from the document (empty when it conforms). */
  problems(response: ObservedResponse): string[] {
    const path = response.target.split('?', 1)[0]!;
    const method = response.method.toLowerCase();
    const route = this.paths.find((p) => p.regex.test(path));
    if (!route) {
      if (!UNROUTED_STATUSES.has(response.status)) return [`undocumented path ${path} answered ${response.status}`];
      return this.checkProblem(response);
    }
    const operation = route.item[method] ?? (method === 'head' ? route.item.get : undefined);
    if (!operation) {
      if (response.status !== 405 && !UNROUTED_STATUSES.has(response.status)) return [`${response.method} ${route.template}: undocumented, answered ${response.status}`];
      return this.checkProblem(response);
    }
    const documented = operation.responses[String(response.status)] ?? operation.responses[`${String(response.status)[0]}XX`] ?? operation.responses.default;
    const where = `${response.method} ${route.template} ${response.status}`;
    if (!documented) return [`${where}: status not documented`];
    if (method === 'head' || !documented.content) {
      return response.text.length === 0 ? [] : [`${where}: a body where the document has none`];
    }
    const mediaType = response.contentType?.split(';', 1)[0]!.trim().toLowerCase();
    const content = mediaType === undefined ? undefined : documented.content[mediaType];
    if (!content) return [`${where}: content type ${String(response.contentType)} is not one of ${Object.keys(documented.content).join(', ')}`];
    return this.checkBody(where, mediaType!, content.schema, response.text);
  }

  private checkProblem(response: ObservedResponse): string[] {
    const where = `${response.method} ${response.target} ${response.status}`;
    if (response.method.toUpperCase() === 'HEAD') return response.text.length === 0 ? [] : [`${where}: a body on HEAD`];
    if (response.contentType?.split(';', 1)[0]!.trim() !== PROBLEM_TYPE) return [`${where}: not ${PROBLEM_TYPE} but ${String(response.contentType)}`];
    return this.checkBody(where, PROBLEM_TYPE, this.document.components?.schemas?.Problem, response.text);
  }

  private checkBody(where: string, mediaType: string, schema: object | undefined, text: string): string[] {
    if (!schema) return [];
    if (!mediaType.endsWith('json')) return (schema as { type?: string }).type === 'string' ? [] : [`${where}: non-JSON ${mediaType} with a non-string schema`];
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return [`${where}: the body is not JSON`];
    }
    let validate = this.compiled.get(schema);
    if (!validate) {
      validate = this.ajv.compile(schema);
      this.compiled.set(schema, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).slice(0, 10).map((e) => `${where}: body${e.instancePath} ${e.message ?? 'invalid'}`);
  }
}
