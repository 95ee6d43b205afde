import { z } from 'zod';
import { apiRoutes, rolesOf, type ApiRoute } from './api-routes.ts';
import { apiErrorSchema } from './errors.ts';
import { eventErrorSchema } from './t-library.ts';

function jsonSchema(schema: z.ZodType): unknown {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
}

function operationOf(name: string, route: ApiRoute): Record<string, unknown> {
  const parameters = [
    ...Object.entries(route.params?.shape ?? {}).map(([param, schema]) => ({
      name: param,
      in: 'path',
      required: true,
      schema: jsonSchema(schema as z.ZodType),
    })),
    ...Object.entries(route.query?.shape ?? {}).map(([param, schema]) => ({
      name: param,
      in: 'query',
      required: !(schema as z.ZodType).safeParse(undefined).success,
      schema: jsonSchema(schema as z.ZodType),
    })),
  ];
  const roles = rolesOf(route);
  const status = String(route.status ?? 200);
  return {
    operationId: name,
    summary: route.summary,
    ...(roles ? { description: `Roles: ${roles.join(', ')}.` } : {}),
    ...(route.access === 'public' ? { security: [] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(route.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body) } } } }
      : {}),
    responses: {
      [status]: {
        description: status === '204' ? 'Done, nothing to answer' : 'OK',
        ...(route.response ? { content: { 'application/json': { schema: jsonSchema(route.response) } } } : {}),
      },
      '4XX': {
        description: route.tLibrary ? 'EventError: SIP Server refused the request' : 'The caller got something wrong',
        content: { 'application/json': { schema: jsonSchema(route.tLibrary ? eventErrorSchema : apiErrorSchema) } },
      },
    },
  };
}

/** The OpenAPI 3.1 document of the REST API, generated from the route table the backend serves. */
export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [name, route] of Object.entries(apiRoutes) as Array<[string, ApiRoute]>) {
    paths[route.path] ??= {};
    paths[route.path]![route.method] = operationOf(name, route);
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Vox Recorder API', version: '2.0.0' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
