import { serializationError } from './errors.ts';

/** A request body after JSON parsing: an object whose members still need type checks. */
export type ApiInput = Readonly<Record<string, unknown>>;

/** Parses a JSON 1.1 body; an empty body counts as `{}` as it does for the real service. */
export function parseInput(body: Buffer): ApiInput {
  const text = body.toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw serializationError('Unable to parse the request body as JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw serializationError('Start of structure or map found where not expected.');
  }
  return value as ApiInput;
}

function wrongType(member: string, expected: string): Error {
  return serializationError(`Unexpected value type for member '${member}': expected ${expected}.`);
}

/** A string member; JSON `null` counts as absent. Wrong types are serialization errors, as on the wire. */
export function stringMember(input: ApiInput, member: string): string | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw wrongType(member, 'string');
  return value;
}

export function stringListMember(input: ApiInput, member: string): string[] | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw wrongType(member, 'list of strings');
  return value as string[];
}

/** A string-to-string map; kept as entries so keys such as `__proto__` stay plain data. */
export function stringMapMember(input: ApiInput, member: string): Array<[string, string]> | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw wrongType(member, 'map');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.some(([, v]) => typeof v !== 'string')) throw wrongType(member, 'map of strings');
  return entries as Array<[string, string]>;
}

export function structureListMember(input: ApiInput, member: string): ApiInput[] | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'object' || v === null || Array.isArray(v))) {
    throw wrongType(member, 'list of structures');
  }
  return value as ApiInput[];
}
