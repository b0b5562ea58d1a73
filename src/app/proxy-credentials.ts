import { TollgateError } from '../core/errors.js';
import { describeAllowlist, keyEnvAllowed, type KeyEnvAllowlist, type ProxySettings } from '../core/proxy/settings.js';

export type EnvReader = (name: string) => string | undefined;

/**
 * The server's side of the proxy's credentials: which environment variables projects may name
 * (TOLLGATE_PROXY_KEY_ENVS), and reading one at call time. Keys live only in this process's
 * environment; tests pass their own reader.
 */
export class ProxyCredentials {
  constructor(
    readonly allowlist: KeyEnvAllowlist = 'default',
    private readonly readEnv: EnvReader = (name) => process.env[name],
  ) {}

  /**
   * The `Authorization` value for the upstream, or null for a keyless one. The allowlist is
   * checked again here: the settings were saved under whatever list the server had then.
   */
  authorization(settings: ProxySettings): string | null {
    const name = settings.api_key_env;
    if (name === null) return null;
    if (!keyEnvAllowed(name, this.allowlist)) {
      throw new TollgateError(
        'TG_PROXY_CREDENTIAL_MISSING',
        `the project's proxy names ${name} for the upstream key, which this server does not allow: ${describeAllowlist(this.allowlist)}`,
      );
    }
    const value = this.readEnv(name)?.trim();
    if (value === undefined || value === '') {
      throw new TollgateError(
        'TG_PROXY_CREDENTIAL_MISSING',
        `the upstream key is missing: the environment variable ${name} is not set on this Tollgate server (set it and restart, or change the project's proxy.api_key_env)`,
      );
    }
    return `Bearer ${value}`;
  }
}
