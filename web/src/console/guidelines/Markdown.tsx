import { useMemo } from 'react';
import { markdownToHtml } from '../../ui/markdown.js';

/** Markdown as HTML. Guidelines are written by people with project rights, but are sanitised like any content. */
export function Markdown({ source, className }: { source: string; className?: string }) {
  const html = useMemo(() => markdownToHtml(source), [source]);
  return <div className={className ? `markdown ${className}` : 'markdown'} dangerouslySetInnerHTML={{ __html: html }} />;
}
