/** Exit statuses of the CLI, as the usage text documents them. */
export const EXIT = {
  ok: 0,
  failed: 1,
  /** Bad usage or configuration: nothing was attempted. */
  usage: 2,
  /** Stopped with Ctrl-C (128 + SIGINT), as shells report it. */
  interrupted: 130,
} as const;
