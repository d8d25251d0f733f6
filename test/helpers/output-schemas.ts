import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';

/** The JSON outputs gh2cc documents, each with a schema in schemas/<name>.v1.schema.json. */
export type OutputSchema = 'migration-report' | 'migration-plan' | 'verify' | 'status' | 'drift' | 'iam-plan';

const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats.default(ajv);
const validators = new Map<string, ValidateFunction>();

export function schemaFile(name: string, version = 1): string {
  return `schemas/${name}.v${version}.schema.json`;
}

export function validatorFor(name: OutputSchema): ValidateFunction {
  let validate = validators.get(name);
  if (validate === undefined) {
    validate = ajv.compile(JSON.parse(readFileSync(schemaFile(name), 'utf8')) as object);
    validators.set(name, validate);
  }
  return validate;
}

/**
 * Parses a command's whole stdout as one JSON document (nothing else may be on stdout with --json) and
 * checks it against the output's schema, naming every violation.
 */
export function expectSchemaValid(name: OutputSchema, stdout: string): unknown {
  const doc = JSON.parse(stdout) as unknown;
  const validate = validatorFor(name);
  expect(validate(doc), `${name}: ${ajv.errorsText(validate.errors, { separator: '\n' })}`).toBe(true);
  return doc;
}
