/** Form values (raw strings) ↔ the parameters a render sends, by the component's schema. */
import type { ParametersSchema } from './api.js';

export type Values = Record<string, string>;

/** The form's starting values: what the URL gave, else each parameter's example. Keys outside the schema are dropped. */
export function initialValues(schema: ParametersSchema, given: Values): Values {
  const values: Values = {};
  for (const [key, definition] of Object.entries(schema)) {
    if (given[key] !== undefined) values[key] = given[key];
    else if (definition.example !== undefined) values[key] = String(definition.example);
    // A checkbox always shows a value; a mandatory one with no default starts at false, sent.
    else if (definition.type === 'boolean' && definition.mandatory && definition.default === undefined) values[key] = 'false';
  }
  return values;
}

/** Mandatory parameters left empty that no default fills: the registry would answer 400. */
export function missingMandatory(schema: ParametersSchema, values: Values): string[] {
  return Object.entries(schema)
    .filter(([key, definition]) => definition.mandatory && definition.default === undefined && (values[key] ?? '') === '')
    .map(([key]) => key);
}

/**
 * The parameters the element sends, typed where the value allows it. A value that does not
 * fit its type (`times=abc`) is sent as typed so the registry, not the playground, judges it.
 */
export function toParameters(schema: ParametersSchema, values: Values): Record<string, unknown> {
  const parameters: Record<string, unknown> = {};
  for (const key of Object.keys(schema)) {
    const raw = values[key];
    if (raw === undefined || raw === '') continue;
    const type = schema[key].type;
    if (type === 'number' && raw.trim() !== '' && Number.isFinite(Number(raw))) parameters[key] = Number(raw);
    else if (type === 'boolean' && (raw === 'true' || raw === 'false')) parameters[key] = raw === 'true';
    else parameters[key] = raw;
  }
  return parameters;
}

/** The same parameters as a query string's pairs (the server-side render URL). */
export function toQuery(schema: ParametersSchema, values: Values): Record<string, string> {
  const query: Record<string, string> = {};
  for (const key of Object.keys(schema)) if (values[key] !== undefined && values[key] !== '') query[key] = values[key];
  return query;
}
