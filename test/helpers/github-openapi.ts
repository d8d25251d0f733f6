import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type AnySchema, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

/**
 * Validates response bodies against GitHub's own OpenAPI description (`@octokit/openapi`), so sandbox answers
 * are checked against what GitHub documents rather than against our own idea of it.
 *
 * The GHES 3.19 description is used by default: the sandbox imitates GitHub Enterprise Server (`/api/v3`), and
 * for the endpoints gh2cc reads it matches api.github.com except for a few optional properties. The
 * non-dereferenced file is loaded (a fifth of the size of the `.deref` one); `$ref`s are resolved by Ajv.
 */

export type GithubSpecName = 'ghes-3.19' | 'api.github.com';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface LoadedSpec {
  readonly paths: JsonObject;
  readonly components: JsonObject;
  readonly ajv: Ajv;
  readonly validators: Map<string, ValidateFunction>;
}

const require = createRequire(import.meta.url);
// ajv-formats is CommonJS whose `module.exports` is the plugin and also carries it as `.default`; under
// NodeNext typing only `.default` is visible, and at run time both spellings are the same function.
const addFormats = addFormatsModule.default;

const specs = new Map<GithubSpecName, LoadedSpec>();

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * OpenAPI 3.0's `nullable: true` is not JSON Schema: turn it into `type: [T, "null"]` (plus `null` in an
 * `enum`), or `anyOf: [{type: null}, …]` where there is no `type` (a `$ref` or a composition). Also points
 * `#/components/...` references at the spec's registered id so they resolve from any compiled fragment.
 */
function toJsonSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string' && value.startsWith('#/')) out[key] = `github${value}`;
    else out[key] = toJsonSchema(value);
  }
  // Only the boolean is the keyword: in a `properties` map, `nullable` would be a property's schema.
  if (typeof out['nullable'] !== 'boolean') return out;
  const nullable = out['nullable'];
  delete out['nullable'];
  if (!nullable) return out;
  const type = out['type'];
  if (typeof type === 'string') {
    out['type'] = [type, 'null'];
    const values = out['enum'];
    if (Array.isArray(values) && !values.includes(null)) out['enum'] = [...values, null];
    return out;
  }
  return { anyOf: [{ type: 'null' }, out] };
}

function loadSpec(name: GithubSpecName): LoadedSpec {
  const cached = specs.get(name);
  if (cached !== undefined) return cached;
  const file = require.resolve(`@octokit/openapi/generated/${name}.json`);
  const raw = JSON.parse(readFileSync(file, 'utf8')) as JsonObject;
  const paths = raw['paths'];
  const components = raw['components'];
  if (!isObject(paths) || !isObject(components)) throw new Error(`${file}: no paths or components`);
  // strict off: the description carries OpenAPI keywords (discriminator, x-github, deprecated) Ajv does not know.
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  // Formats GitHub uses that JSON Schema does not define: accept any value rather than fail to compile.
  for (const format of [
    'int64',
    'int32',
    'ssh-key',
    'ssh-key fingerprint',
    'ip/cidr',
    'repo.nwo',
    'binary',
  ]) {
    ajv.addFormat(format, true);
  }
  ajv.addSchema({ $id: 'github', components: toJsonSchema({ schemas: components['schemas'] ?? {} }) });
  const loaded: LoadedSpec = { paths, components, ajv, validators: new Map() };
  specs.set(name, loaded);
  return loaded;
}

/** Follows one level of `#/components/responses/...` indirection, as error responses use. */
function resolveResponse(spec: LoadedSpec, response: Json | undefined): JsonObject | undefined {
  if (!isObject(response)) return undefined;
  const ref = response['$ref'];
  if (typeof ref !== 'string') return response;
  const name = ref.replace('#/components/responses/', '');
  const responses = spec.components['responses'];
  return isObject(responses) && isObject(responses[name]) ? responses[name] : undefined;
}

function validatorFor(
  spec: LoadedSpec,
  method: string,
  pathTemplate: string,
  status: number,
): ValidateFunction {
  const key = `${method} ${pathTemplate} ${status}`;
  const known = spec.validators.get(key);
  if (known !== undefined) return known;
  const item = spec.paths[pathTemplate];
  const operation = isObject(item) ? item[method.toLowerCase()] : undefined;
  if (!isObject(operation))
    throw new Error(`GitHub's description has no ${method.toUpperCase()} ${pathTemplate}`);
  const responses = operation['responses'];
  const response = resolveResponse(spec, isObject(responses) ? responses[String(status)] : undefined);
  const content = response?.['content'];
  const media = isObject(content) ? content['application/json'] : undefined;
  const schema = isObject(media) ? media['schema'] : undefined;
  if (!isObject(schema))
    throw new Error(`${method.toUpperCase()} ${pathTemplate} documents no JSON body for ${status}`);
  const validate = spec.ajv.compile(toJsonSchema(schema) as AnySchema);
  spec.validators.set(key, validate);
  return validate;
}

function describe(errors: readonly ErrorObject[] | null | undefined, body: unknown): string {
  return (errors ?? [])
    .slice(0, 20)
    .map((e) => {
      let value: unknown = body;
      for (const part of e.instancePath.split('/').slice(1)) {
        value = (value as Record<string, unknown> | undefined)?.[
          part.replace(/~1/g, '/').replace(/~0/g, '~')
        ];
      }
      return `  ${e.instancePath || '(root)'} ${e.message ?? ''} ${JSON.stringify(e.params)} got ${JSON.stringify(value)?.slice(0, 120)}`;
    })
    .join('\n');
}

/**
 * Throws unless `body` matches the JSON schema GitHub documents for `method pathTemplate` answering `status`
 * (path templates as in the description, e.g. `/repos/{owner}/{repo}/branches/{branch}`).
 */
export function assertMatchesGithubSchema(
  method: string,
  pathTemplate: string,
  status: number,
  body: unknown,
  specName: GithubSpecName = 'ghes-3.19',
): void {
  const validate = validatorFor(loadSpec(specName), method, pathTemplate, status);
  if (!validate(body)) {
    throw new Error(
      `${method.toUpperCase()} ${pathTemplate} ${status}: body does not match GitHub's schema (${specName}):\n${describe(validate.errors, body)}`,
    );
  }
}
