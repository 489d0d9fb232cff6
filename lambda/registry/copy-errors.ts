import { MirrorError } from '../errors.js';

/** The source has no manifest for the platform asked for. */
export class PlatformNotFoundError extends MirrorError {
  constructor(image: string, wanted: string, present: readonly string[]) {
    const list = present.length > 0 ? present.join(', ') : 'none';
    super(`${image} has no ${wanted} image; platforms present: ${list}`, {
      code: 'PLATFORM_NOT_FOUND',
      failureClass: 'permanent',
    });
  }
}
