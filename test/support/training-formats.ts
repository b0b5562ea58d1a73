/**
 * Checkers for the files the fine-tuning tools read, written from their documentation, so a
 * test can tell an export would load as-is without running Python:
 *
 * - OpenAI chat fine-tuning: the fine-tuning guide's chat format (platform.openai.com/docs/guides/fine-tuning,
 *   "Preparing your dataset"; function calling: assistant `tool_calls` of `{id, type: "function",
 *   function: {name, arguments}}` with `arguments` as JSON text, answered by `tool` messages carrying
 *   `tool_call_id`), and the checks of the OpenAI Cookbook notebook "Data preparation and analysis
 *   for chat model fine-tuning" (examples/Chat_finetuning_data_prep.ipynb): every line a dict with a
 *   `messages` list; each message with `role` and `content`; no keys but the recognised ones; roles
 *   system/user/assistant (tool with function calling); content text; at least one assistant message.
 * - TRL's DPOTrainer: the "Dataset formats and types" guide (huggingface.co/docs/trl/dataset_formats),
 *   preference type: `{"prompt", "chosen", "rejected"}`, standard (three strings) or conversational
 *   (`prompt` a list of `{role, content}` messages, `chosen` and `rejected` each a list holding the
 *   assistant's message); and `is_conversational` in trl/data_utils.py, which takes a list whose first
 *   element is a dict with a `role` as conversational.
 */

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

const MESSAGE_KEYS = new Set(['role', 'content', 'name', 'tool_calls', 'tool_call_id', 'weight']);
const ROLES = new Set(['system', 'user', 'assistant', 'tool']);

function contentProblems(where: string, content: Json, role: string): string[] {
  if (typeof content === 'string') return [];
  // Vision fine-tuning: a user message may be a list of text and image_url parts.
  if (role === 'user' && Array.isArray(content) && content.length > 0) {
    return content.flatMap((p, i) =>
      isObject(p) && ((p.type === 'text' && typeof p.text === 'string') || (p.type === 'image_url' && isObject(p.image_url)))
        ? []
        : [`${where}.content[${i}]: not a text or image_url part`],
    );
  }
  return [`${where}.content: must be text`];
}

function toolCallProblems(where: string, calls: Json, ids: Set<string>): string[] {
  if (!Array.isArray(calls) || calls.length === 0) return [`${where}.tool_calls: must be a non-empty list`];
  return calls.flatMap((c, i) => {
    const at = `${where}.tool_calls[${i}]`;
    if (!isObject(c) || typeof c.id !== 'string' || c.id === '' || c.type !== 'function' || !isObject(c.function))
      return [`${at}: must be {id, type: "function", function}`];
    ids.add(c.id);
    const fn = c.function;
    if (typeof fn.name !== 'string' || fn.name === '') return [`${at}.function.name: must be a name`];
    if (typeof fn.arguments !== 'string') return [`${at}.function.arguments: must be JSON text`];
    try {
      JSON.parse(fn.arguments);
    } catch {
      return [`${at}.function.arguments: not JSON`];
    }
    return [];
  });
}

/** A list of chat messages; `final` asks that the last one be the assistant's (the trained reply). */
function messagesProblems(where: string, messages: Json, opts: { final: 'assistant' | 'any' }): string[] {
  if (!Array.isArray(messages) || messages.length === 0) return [`${where}: must be a non-empty list of messages`];
  const problems: string[] = [];
  const callIds = new Set<string>();
  messages.forEach((m, i) => {
    const at = `${where}[${i}]`;
    if (!isObject(m)) return void problems.push(`${at}: not an object`);
    for (const k of Object.keys(m)) if (!MESSAGE_KEYS.has(k)) problems.push(`${at}: unrecognised key "${k}"`);
    if (typeof m.role !== 'string' || !ROLES.has(m.role))
      return void problems.push(`${at}.role: unrecognised role ${JSON.stringify(m.role)}`);
    if (!('content' in m)) problems.push(`${at}: missing content`);
    if (m.role === 'assistant' && m.tool_calls !== undefined) {
      problems.push(...toolCallProblems(at, m.tool_calls, callIds));
      if (m.content !== null && typeof m.content !== 'string') problems.push(`${at}.content: text or null beside tool calls`);
    } else problems.push(...contentProblems(at, m.content, m.role));
    if (m.role !== 'assistant' && m.tool_calls !== undefined) problems.push(`${at}: only the assistant calls tools`);
    if (m.role === 'tool') {
      if (typeof m.tool_call_id !== 'string' || !callIds.has(m.tool_call_id)) problems.push(`${at}.tool_call_id: answers no earlier call`);
    } else if (m.tool_call_id !== undefined) problems.push(`${at}: tool_call_id on a ${m.role} message`);
  });
  if (!messages.some((m) => isObject(m) && m.role === 'assistant') && opts.final === 'assistant')
    problems.push(`${where}: no assistant message`);
  const last = messages.at(-1);
  if (opts.final === 'assistant' && !(isObject(last) && last.role === 'assistant')) problems.push(`${where}: must end with the assistant`);
  return problems;
}

/** Problems that would make OpenAI refuse a line of a chat fine-tuning file; [] when it is fine. */
export function openAiChatProblems(line: string): string[] {
  let example: Json;
  try {
    example = JSON.parse(line);
  } catch {
    return ['not JSON'];
  }
  if (!isObject(example)) return ['not an object'];
  const extra = Object.keys(example).filter((k) => !['messages', 'tools', 'parallel_tool_calls'].includes(k));
  return [...extra.map((k) => `unrecognised key "${k}"`), ...messagesProblems('messages', example.messages, { final: 'assistant' })];
}

/** Problems that would stop TRL's DPOTrainer from reading a preference line in this style. */
export function trlPreferenceProblems(line: string, style: 'standard' | 'conversational'): string[] {
  let example: Json;
  try {
    example = JSON.parse(line);
  } catch {
    return ['not JSON'];
  }
  if (!isObject(example)) return ['not an object'];
  const keys = Object.keys(example).sort();
  if (keys.join(',') !== 'chosen,prompt,rejected') return [`keys must be prompt, chosen, rejected; got ${keys.join(', ')}`];
  if (style === 'standard') {
    return (['prompt', 'chosen', 'rejected'] as const).flatMap((k) => (typeof example[k] === 'string' ? [] : [`${k}: must be a string`]));
  }
  const problems = messagesProblems('prompt', example.prompt, { final: 'any' });
  for (const k of ['chosen', 'rejected'] as const) {
    const list = example[k];
    if (!Array.isArray(list) || list.length !== 1) problems.push(`${k}: must hold exactly the assistant's message`);
    else problems.push(...messagesProblems(k, list, { final: 'assistant' }));
  }
  return problems;
}
