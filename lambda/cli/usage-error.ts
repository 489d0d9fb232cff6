/** The command line itself is wrong: print the reason and exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
