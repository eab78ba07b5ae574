/**
 * The parameter form, generated from the version's schema: text / number / checkbox
 * inputs, `<select>` for enums, mandatory fields marked and `required`, defaults as
 * placeholders, descriptions as help text, and one `[data-error-for=<key>]` slot per field
 * for what is wrong with it (a missing value, or the registry's 400 details).
 */
import type { ParameterDefinition, ParametersSchema } from './api.js';
import { h, replace } from './dom.js';
import type { Values } from './parameters.js';

export interface ParameterForm {
  element: HTMLElement;
  /** Shows each message next to its field; clears the others. */
  showErrors(errors: Record<string, string>): void;
}

export function createForm(schema: ParametersSchema, values: Values, onChange: (key: string, value: string) => void): ParameterForm {
  const keys = Object.keys(schema);
  const slots = new Map<string, { error: HTMLElement; input: HTMLElement }>();
  const form = h('form', { class: 'parameter-form', novalidate: true, 'aria-label': 'Parameters' });
  form.addEventListener('submit', (event) => event.preventDefault());

  if (keys.length === 0) {
    form.append(h('p', { class: 'empty' }, 'This version takes no parameters: it always renders the same way.'));
  }
  for (const key of keys) {
    const { field, input, error } = renderField(key, schema[key], values[key], (value) => onChange(key, value));
    slots.set(key, { error, input });
    form.append(field);
  }

  return {
    element: form,
    showErrors(errors) {
      for (const [key, { error, input }] of slots) {
        const message = errors[key];
        replace(error, message ?? '');
        error.hidden = !message;
        if (message) input.setAttribute('aria-invalid', 'true');
        else input.removeAttribute('aria-invalid');
      }
    },
  };
}

function renderField(key: string, definition: ParameterDefinition, value: string | undefined, change: (value: string) => void) {
  const id = `param-${cssId(key)}`;
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const describedBy = [definition.description ? helpId : '', errorId].filter(Boolean).join(' ');
  const input = renderInput(definition, value, change);
  input.id = id;
  input.setAttribute('name', key);
  input.setAttribute('aria-describedby', describedBy);
  if (definition.mandatory) input.setAttribute('required', '');

  const name = h('span', { class: 'field-name' }, key);
  const required = definition.mandatory ? h('span', { class: 'required', title: 'mandatory' }, '*') : null;
  const type = h('span', { class: 'field-type' }, definition.enum ? `${definition.type} · enum` : definition.type);
  const label =
    input instanceof HTMLInputElement && input.type === 'checkbox'
      ? h('label', { class: 'field-label check', for: id }, input, name, required, type)
      : h('label', { class: 'field-label', for: id }, name, required, type);
  const help = definition.description ? h('p', { class: 'help', id: helpId }, definition.description) : null;
  const error = h('p', { class: 'field-error', id: errorId, 'data-error-for': key, 'aria-live': 'polite', hidden: true });
  const control = input instanceof HTMLInputElement && input.type === 'checkbox' ? null : input;
  const field = h('div', { class: 'field', 'data-field': key }, label, control, help, error);
  return { field, input, error };
}

function renderInput(definition: ParameterDefinition, value: string | undefined, change: (value: string) => void): HTMLInputElement | HTMLSelectElement {
  const fallback = definition.default === undefined ? undefined : String(definition.default);

  if (definition.enum) {
    const select = h('select', { class: 'input' });
    const empty = fallback !== undefined ? `default (${fallback})` : definition.mandatory ? 'Choose…' : '— none —';
    select.append(new Option(empty, ''));
    for (const option of definition.enum) select.append(new Option(String(option), String(option)));
    // A value from the URL that the enum does not allow stays visible: the registry judges it.
    if (value && !definition.enum.map(String).includes(value)) select.append(new Option(`${value} (not allowed)`, value));
    select.value = value ?? '';
    select.addEventListener('change', () => change(select.value));
    return select;
  }

  if (definition.type === 'boolean') {
    const checkbox = h('input', { type: 'checkbox', class: 'checkbox' });
    checkbox.checked = (value ?? fallback ?? 'false') === 'true';
    checkbox.addEventListener('change', () => change(String(checkbox.checked)));
    return checkbox;
  }

  const input = h('input', { class: 'input', autocomplete: 'off', spellcheck: 'false' });
  if (definition.type === 'number') {
    // A non-number from the URL (`p.times=abc`) shows as typed; a number input would blank it.
    const numeric = value === undefined || value === '' || Number.isFinite(Number(value));
    input.type = numeric ? 'number' : 'text';
    input.inputMode = 'decimal';
    if (numeric) input.step = 'any';
  } else {
    input.type = 'text';
  }
  if (fallback !== undefined) input.placeholder = `default: ${fallback}`;
  else if (definition.example !== undefined) input.placeholder = `e.g. ${definition.example}`;
  input.value = value ?? '';
  input.addEventListener('input', () => change(input.value));
  return input;
}

function cssId(key: string): string {
  return key.replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.charCodeAt(0).toString(16)}`);
}
