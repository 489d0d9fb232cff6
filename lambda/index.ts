// Lambda entry point. The intake and worker handlers land with their issues; until then every event fails loudly.
export async function handler(event: unknown): Promise<never> {
  throw new Error(`root-ecr-mirror: no handler for this event yet (${typeof event})`);
}
