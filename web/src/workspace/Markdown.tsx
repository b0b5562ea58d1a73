import DOMPurify from 'dompurify';
import { marked } from 'marked';
import { useMemo } from 'react';

/** Guidelines are written by managers but still sanitized: Markdown allows raw HTML. */
export default function Markdown({ source }: { source: string }) {
  const html = useMemo(() => DOMPurify.sanitize(marked.parse(source, { async: false, gfm: true })), [source]);
  return <div className="ws-markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}
