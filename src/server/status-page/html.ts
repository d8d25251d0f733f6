/**
 * HTML built by a tagged template that escapes every interpolated value unless it is already `Html` made by
 * this module: repository names, descriptions, branch names and error texts are arbitrary text, and a
 * forgotten escape call must not be possible. Values are escaped for both text and quoted attributes.
 */
const HTML = Symbol('html');

export interface Html {
  readonly [HTML]: string;
}

export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c] ?? c);
}

function isHtml(value: unknown): value is Html {
  return typeof value === 'object' && value !== null && HTML in value;
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (typeof value === 'number') return escapeHtml(String(value));
  if (typeof value === 'string') return escapeHtml(value);
  if (isHtml(value)) return value[HTML];
  return value.map(render).join('');
}

/** `html\`<td>${text}</td>\``: every value escaped; `Html` values (and arrays of them) kept as they are. */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i += 1) out += render(values[i]) + (strings[i + 1] ?? '');
  return { [HTML]: out };
}

export function toHtmlString(value: Html): string {
  return value[HTML];
}

/**
 * An href gh2cc built itself, checked once more: only http(s) URLs and root-relative paths are links;
 * anything else (javascript:, data:) becomes undefined so that no link is drawn.
 */
export function safeHref(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  if (url.startsWith('/') && !url.startsWith('//')) return url;
  return /^https?:\/\//i.test(url) ? url : undefined;
}
