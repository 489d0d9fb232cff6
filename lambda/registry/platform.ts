import { MirrorError } from '../errors.js';

export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

export class InvalidPlatformError extends MirrorError {
  constructor(text: string) {
    super(`invalid platform "${text}": expected os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8`, {
      code: 'INVALID_PLATFORM',
      failureClass: 'permanent',
    });
  }
}

const PART = /^[a-z0-9_.-]+$/;

export function parsePlatform(text: string): Platform {
  const parts = text.trim().split('/');
  if (parts.length < 2 || parts.length > 3 || !parts.every((p) => PART.test(p))) throw new InvalidPlatformError(text);
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

export function formatPlatform(platform: Platform): string {
  return `${platform.os}/${platform.architecture}${platform.variant ? `/${platform.variant}` : ''}`;
}

/** arm64 images usually omit the variant that is implied: `linux/arm64` and `linux/arm64/v8` are the same. */
function normalizedVariant(platform: Platform): string | undefined {
  if (platform.variant) return platform.variant;
  return platform.architecture === 'arm64' ? 'v8' : undefined;
}

/** Whether an image's platform satisfies the one asked for; a request without variant accepts any. */
export function platformMatches(candidate: Platform, wanted: Platform): boolean {
  if (candidate.os !== wanted.os || candidate.architecture !== wanted.architecture) return false;
  if (!wanted.variant) return true;
  return normalizedVariant(candidate) === normalizedVariant(wanted);
}
