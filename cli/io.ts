/** Where a command reads and writes; the process streams in real use. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** The whole of standard input as UTF-8 (read once; later calls return the same text). */
  readStdin(): Promise<string>;
}

export function processIo(): Io {
  let stdin: Promise<string> | undefined;
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    readStdin() {
      stdin ??= (async () => {
        const chunks: Buffer[] = [];
        for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks).toString("utf8");
      })();
      return stdin;
    },
  };
}
