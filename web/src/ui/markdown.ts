import DOMPurify from 'dompurify';
import { Marked, type Tokens } from 'marked';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const marked = new Marked({
  gfm: true,
  // Model answers use single newlines as line breaks, as chat interfaces render them.
  breaks: true,
  async: false,
  walkTokens(token) {
    // The page has its own h1/h2: content headings start at h4 so they never outrank the page's.
    if (token.type === 'heading') (token as Tokens.Heading).depth = Math.min(6, (token as Tokens.Heading).depth + 3);
  },
  renderer: {
    // Task lists as characters: a disabled, unlabelled checkbox would be a form control without a name.
    checkbox({ checked }: Tokens.Checkbox) {
      return checked ? '☑ ' : '☐ ';
    },
    // An image in a model output is never loaded: a remote URL would tell its host who looked
    // at the item, and when (a known exfiltration channel). It is shown as a link instead.
    image({ href, text }: Tokens.Image) {
      return `<a href="${escapeHtml(href)}">${escapeHtml(`image: ${text || href}`)}</a>`;
    },
  },
});

// Its own instance, so these hooks never change how other parts of the app sanitize.
const purify = DOMPurify(window);

purify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName !== 'A') return;
  const href = node.getAttribute('href');
  if (href === null) return;
  node.setAttribute('target', '_blank');
  node.setAttribute('rel', 'noopener noreferrer');
  // A link must have a name (axe: link-name); an empty one shows where it goes.
  if ((node.textContent ?? '').trim() === '') node.textContent = href;
});

const ALLOWED_TAGS = [
  'a',
  'abbr',
  'b',
  'blockquote',
  'br',
  'caption',
  'code',
  'dd',
  'del',
  'details',
  'div',
  'dl',
  'dt',
  'em',
  'h4',
  'h5',
  'h6',
  'hr',
  'i',
  'ins',
  'kbd',
  'li',
  'mark',
  'ol',
  'p',
  'pre',
  's',
  'small',
  'span',
  'strong',
  'sub',
  'summary',
  'sup',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'tr',
  'u',
  'ul',
];
// No ids, classes, roles, ARIA or styles: content must not restyle the page, collide with its
// ids, or fake controls (and so trip the accessibility checks) — it is data, not interface.
const ALLOWED_ATTR = ['href', 'title', 'colspan', 'rowspan', 'start', 'open', 'lang', 'dir'];

/**
 * Markdown as sanitized HTML, the one renderer for model outputs and guidelines alike: raw HTML
 * in the text is kept only as far as the allow-lists above permit.
 */
export function markdownToHtml(text: string): string {
  const html = marked.parse(text, { async: false });
  return purify.sanitize(html, { ALLOWED_TAGS, ALLOWED_ATTR, ALLOW_ARIA_ATTR: false, ALLOW_DATA_ATTR: false });
}
