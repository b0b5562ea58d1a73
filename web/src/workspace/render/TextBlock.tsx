import { useMemo } from 'react';
import { markdownToHtml } from '../../ui/markdown.js';
import { looksLikeMarkdown } from './text.js';

/** Text as sent: Markdown (sanitized) when it looks like Markdown, otherwise plain with its line breaks. */
export function TextBlock({ text }: { text: string }) {
  const html = useMemo(() => (looksLikeMarkdown(text) ? markdownToHtml(text) : null), [text]);
  if (text === '') return <span className="tg-empty">(empty)</span>;
  if (html === null) return <div className="tg-plain">{text}</div>;
  return <div className="tg-md" dangerouslySetInnerHTML={{ __html: html }} />;
}
