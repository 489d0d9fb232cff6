/** A secret's value may hold several secrets, one per line (during a rotation); blank lines are none. */
export function splitSecrets(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}
