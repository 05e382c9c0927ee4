import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { loadConfig } from "../api/config/index.js";
import { startServers } from "../api/server.js";
import { parseCommandArgs, type Command } from "./command.js";
import { UsageError } from "./errors.js";
import { EXIT_OK } from "./exit-codes.js";

export const serveCommand: Command = {
  name: "serve",
  summary: "run the IM service (REST and XML-RPC APIs) with the embedded defaults",
  usage: "radl serve [--config FILE]",
  details: `Starts the Infrastructure Manager service: the REST API on REST_ADDRESS:REST_PORT
(default 0.0.0.0:8800) and the XML-RPC API on XMLRCP_ADDRESS:XMLRPC_PORT (default 0.0.0.0:8899;
ACTIVATE_REST / ACTIVATE_XMLRPC turn either off), DATA_DB (default SQLite under DATA_DIR, ./data), the Pulumi file backend
under DATA_DIR and a passphrase generated there once (mode 0600). Unfinished jobs of a previous
run are resumed or failed on start. Ctrl-C or SIGTERM stops it cleanly.

  --config FILE   an im.cfg read after the usual candidates (same as IM_CONFIG_FILE)`,

  async run(args, { io }) {
    const { values, positionals } = parseCommandArgs("serve", args, { config: { type: "string" } });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, "serve");
    const env = { ...process.env };
    if (values.config !== undefined) {
      const file = resolve(values.config);
      if (!existsSync(file)) throw new UsageError(`${values.config} does not exist`, "serve");
      env.IM_CONFIG_FILE = file;
    }
    const config = loadConfig({ env });
    for (const warning of config.warnings) io.err(`warning: ${warning}\n`);
    const servers = await startServers(config);
    io.err(`radl serve: REST API listening on ${servers.restUrl ?? "(disabled)"}\n`);
    io.err(`radl serve: XML-RPC API listening on ${servers.xmlrpcUrl ?? "(disabled)"}\n`);
    io.err(`radl serve: data in ${config.dataDir}\n`);
    await new Promise<void>((done) => {
      const stop = (signal: string) => {
        io.err(`radl serve: ${signal} received, stopping\n`);
        process.off("SIGINT", onInt);
        process.off("SIGTERM", onTerm);
        done();
      };
      const onInt = () => stop("SIGINT");
      const onTerm = () => stop("SIGTERM");
      process.on("SIGINT", onInt);
      process.on("SIGTERM", onTerm);
    });
    await servers.close();
    return EXIT_OK;
  },
};
