/**
 * A small JSON Schema (draft-07) validator covering the keywords Marathon's RAML-derived schema uses:
 * type, $ref, properties, patternProperties, required, items, enum, const, allOf, anyOf, minimum,
 * maximum, minLength, maxLength, pattern, minItems, maxItems, uniqueItems. `format` and `default`
 * are annotations and are not checked. An unknown keyword fails loudly, so the schema cannot outgrow it.
 */
type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set([
  'default',
  'format',
  'description',
  'title',
  '$schema',
  '$comment',
  'definitions',
]);
const KEYWORDS = new Set([
  'type',
  '$ref',
  'properties',
  'patternProperties',
  'required',
  'items',
  'enum',
  'const',
  'allOf',
  'anyOf',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'uniqueItems',
]);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function typeMatches(type: string, value: unknown): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    default:
      throw new Error(`unknown type ${type}`);
  }
}

export function validateSchema(root: Schema, schema: Schema, value: unknown, at = '$'): string[] {
  const errors: string[] = [];
  for (const key of Object.keys(schema)) {
    if (!KEYWORDS.has(key) && !ANNOTATIONS.has(key)) throw new Error(`unsupported keyword ${key} at ${at}`);
  }
  const sub = (s: unknown, v: unknown, where: string) => validateSchema(root, s as Schema, v, where);
  if (typeof schema['$ref'] === 'string') {
    const name = schema['$ref'].replace(/^#\/definitions\//, '');
    const target = (root['definitions'] as Record<string, Schema>)[name];
    if (!target) throw new Error(`unresolved $ref ${schema['$ref']}`);
    errors.push(...sub(target, value, at));
  }
  if (typeof schema['type'] === 'string' && !typeMatches(schema['type'], value)) {
    return [...errors, `${at}: must be ${schema['type']}`];
  }
  if (
    Array.isArray(schema['enum']) &&
    !schema['enum'].some((e) => JSON.stringify(e) === JSON.stringify(value))
  ) {
    errors.push(`${at}: must be one of ${schema['enum'].map((e) => JSON.stringify(e)).join(', ')}`);
  }
  if ('const' in schema && JSON.stringify(schema['const']) !== JSON.stringify(value)) {
    errors.push(`${at}: must be ${JSON.stringify(schema['const'])}`);
  }
  for (const part of (schema['allOf'] as unknown[] | undefined) ?? []) errors.push(...sub(part, value, at));
  if (Array.isArray(schema['anyOf']) && !schema['anyOf'].some((part) => sub(part, value, at).length === 0)) {
    errors.push(`${at}: matches none of anyOf`);
  }
  if (typeof value === 'number') {
    if (typeof schema['minimum'] === 'number' && value < schema['minimum'])
      errors.push(`${at}: must be >= ${schema['minimum']}`);
    if (typeof schema['maximum'] === 'number' && value > schema['maximum'])
      errors.push(`${at}: must be <= ${schema['maximum']}`);
  }
  if (typeof value === 'string') {
    // JSON Schema counts code points, as Array.from does.
    const length = Array.from(value).length;
    if (typeof schema['minLength'] === 'number' && length < schema['minLength'])
      errors.push(`${at}: shorter than ${schema['minLength']}`);
    if (typeof schema['maxLength'] === 'number' && length > schema['maxLength'])
      errors.push(`${at}: longer than ${schema['maxLength']}`);
    if (typeof schema['pattern'] === 'string' && !new RegExp(schema['pattern'], 'u').test(value))
      errors.push(`${at}: does not match ${schema['pattern']}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema['minItems'] === 'number' && value.length < schema['minItems'])
      errors.push(`${at}: fewer than ${schema['minItems']} items`);
    if (typeof schema['maxItems'] === 'number' && value.length > schema['maxItems'])
      errors.push(`${at}: more than ${schema['maxItems']} items`);
    if (schema['uniqueItems'] === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length)
      errors.push(`${at}: items must be unique`);
    if (isObject(schema['items']))
      value.forEach((v, i) => errors.push(...sub(schema['items'], v, `${at}[${i}]`)));
  }
  if (isObject(value)) {
    for (const name of (schema['required'] as string[] | undefined) ?? []) {
      if (!(name in value)) errors.push(`${at}: ${name} is required`);
    }
    const properties = (schema['properties'] as Record<string, unknown> | undefined) ?? {};
    const patterns = Object.entries(
      (schema['patternProperties'] as Record<string, unknown> | undefined) ?? {},
    );
    for (const [name, v] of Object.entries(value)) {
      if (name in properties) errors.push(...sub(properties[name], v, `${at}.${name}`));
      for (const [pattern, s] of patterns) {
        if (new RegExp(pattern, 'u').test(name)) errors.push(...sub(s, v, `${at}.${name}`));
      }
    }
  }
  return errors;
}
