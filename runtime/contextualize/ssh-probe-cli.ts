/**
 * `ctxt-wait-master` as a server-side `local.Command` (spec contextualization.md §2.7): reads a
 * ProbeInput as JSON on stdin (it holds secrets), prints the master's host key (`<type> <base64>`)
 * on stdout when SSH answers, else the reason on stdout and exits 2 (credentials), 3 (timeout) or
 * 4 (host key changed). The engine puts stdout in the node's failure message, so it never holds secrets.
 */
import { writeFileSync } from "node:fs";
import type { MasterEndpoint } from "./live-logs.js";
import { probeSsh, type ProbeInput } from "./ssh-probe.js";

async function main(): Promise<number> {
  let text = "";
  for await (const chunk of process.stdin) text += String(chunk);
  let input: ProbeInput;
  try {
    input = JSON.parse(text) as ProbeInput;
  } catch {
    process.stdout.write("ssh-probe: stdin is not a JSON probe request\n");
    return 1;
  }
  const result = await probeSsh(input);
  if (result.ok) {
    process.stderr.write(`SSH of ${input.host} answered after ${result.elapsedSeconds} s\n`);
    if (input.endpointFile !== undefined) {
      const endpoint: MasterEndpoint = {
        host: input.host,
        port: input.port ?? 22,
        user: input.user,
        hostKey: result.hostKey,
        proxied: input.proxy !== undefined,
      };
      writeFileSync(input.endpointFile, JSON.stringify(endpoint), { mode: 0o600 });
    }
    process.stdout.write(`${result.hostKey}\n`);
    return 0;
  }
  process.stdout.write(`${result.message}\n`);
  return result.code;
}

process.exitCode = await main();
