import { describe, expect, it } from 'vitest';
import { html, safeHref, toHtmlString } from './html.ts';

describe('status page: HTML', () => {
  it('escapes every interpolated value, in text and attributes, unless it is HTML built the same way', () => {
    const name = `<script>alert(1)</script>"'&\``;
    const out = toHtmlString(
      html`<td title="${name}">${name}${html`<b>${name}</b>`}${[html`<i>x</i>`, name]}</td>`,
    );
    const escaped = '&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;&#96;';
    expect(out).toBe(`<td title="${escaped}">${escaped}<b>${escaped}</b><i>x</i>${escaped}</td>`);
    expect(toHtmlString(html`${undefined}${null}${false}${0}`)).toBe('0');
  });

  it('draws links only to http(s) URLs and paths', () => {
    expect(safeHref('javascript:alert(1)')).toBeUndefined();
    expect(safeHref('data:text/html,x')).toBeUndefined();
    expect(safeHref('//evil.example')).toBeUndefined();
    expect(safeHref('/repos/a/b')).toBe('/repos/a/b');
    expect(safeHref('https://github.com/a/b')).toBe('https://github.com/a/b');
  });
});
