export { collectApiRoutes, type ApiRoute } from './route-catalog.ts';
export { routeSchemaProblems } from './route-rules.ts';
export {
  buildOpenApiDocument,
  type OpenApiDocument,
  type OpenApiOptions,
  type ServiceRoutes,
} from './openapi-document.ts';
export { openApiPath, operationIdOf, pathParamsOf } from './openapi-operation.ts';
export { buildAsyncApiDocument, type AsyncApiDocument } from './asyncapi-document.ts';
export { exampleOf, plainSchema, type JsonSchema } from './json-schema.ts';
