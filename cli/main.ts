export async function main(_argv: string[]): Promise<number> {
  process.stdout.write("radl: no commands yet\n");
  return 0;
}
