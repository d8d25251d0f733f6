/** Thrown between steps once the run was asked to stop; the repository is reported `interrupted`. */
export class Interrupted extends Error {
  override readonly name = 'Interrupted';
}

export function checkpoint(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new Interrupted('stopped on request');
}
