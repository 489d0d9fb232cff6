import { MirrorError } from '../errors.js';

/** The environment is wrong: nothing will work until the operator fixes it. */
export class ConfigError extends MirrorError {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n- ${problems.join('\n- ')}`, { code: 'CONFIG_INVALID', failureClass: 'permanent' });
  }
}
