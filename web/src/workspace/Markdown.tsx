import { useMemo } from 'react';
import { markdownToHtml } from '../ui/markdown.js';

/** Guidelines are written by managers but still sanitized, by the same rules as model outputs. */
export default function Markdown({ source }: { source: string }) {
  const html = useMemo(() => markdownToHtml(source), [source]);
  return <div className="ws-markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}
