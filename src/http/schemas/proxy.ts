import { Type } from 'typebox';
import { Nullable } from './common.js';

const SETTINGS_EXAMPLE = { upstream_base_url: 'https://api.openai.com/v1', api_key_env: 'OPENAI_API_KEY' };

const settingsFields = {
  upstream_base_url: Type.String({
    maxLength: 2000,
    description:
      'Base URL of any OpenAI-compatible API (a hosted API, vLLM, Ollama, …), e.g. https://api.openai.com/v1 or http://localhost:11434/v1; http(s), no credentials, query or fragment',
  }),
  api_key_env: Nullable(
    Type.String({
      maxLength: 200,
      description:
        "Name of the Tollgate server's environment variable holding the upstream's key (sent as `Authorization: Bearer`), e.g. OPENAI_API_KEY; " +
        'null for keyless upstreams. Must be allowed by the server (TOLLGATE_PROXY_KEY_ENVS; by default names ending in _API_KEY). The key itself is never stored.',
    }),
  ),
};

/** The settings as sent; URL and variable name are checked in full by the core (422 TG_INVALID_PROXY_SETTINGS). */
export const ProxySettingsBody = Type.Object(
  { upstream_base_url: settingsFields.upstream_base_url, api_key_env: Type.Optional(settingsFields.api_key_env) },
  {
    additionalProperties: false,
    description: "The project's OpenAI-compatible proxy, served at /proxy/{project_id}/v1. See docs/proxy.md.",
    examples: [SETTINGS_EXAMPLE],
  },
);

/** `PUT …/proxy` takes the settings, or null to turn the proxy off. */
export const ProxySettingsUpdate = Nullable(ProxySettingsBody);

export const ProxySettings = Nullable(
  Type.Object(settingsFields, {
    description: "The project's OpenAI-compatible proxy at /proxy/{project_id}/v1 (see docs/proxy.md); null: none",
  }),
);

const ChatMessage = Type.Object(
  { role: Type.String({ minLength: 1, maxLength: 64 }), content: Type.Optional(Type.Unknown()) },
  { additionalProperties: true },
);

/**
 * A Chat Completions request. Only what the proxy relies on is checked (a captured item's
 * input is the messages, so they obey the item's limits); every other field goes to the
 * upstream as sent.
 */
export const ChatCompletionBody = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 200 }),
    messages: Type.Array(ChatMessage, { minItems: 1, maxItems: 1000 }),
    stream: Type.Optional(Nullable(Type.Boolean())),
    n: Type.Optional(Nullable(Type.Integer())),
    stream_options: Type.Optional(Nullable(Type.Object({}, { additionalProperties: true }))),
  },
  { additionalProperties: true },
);

export const ProxyParams = Type.Object({ project_id: Type.String({ minLength: 1, maxLength: 100 }) });
