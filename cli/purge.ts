import { parseCommandArgs, type Command } from "./command.js";
import { UsageError } from "./errors.js";
import { EXIT_OK } from "./exit-codes.js";

export const purgeCommand: Command = {
  name: "purge",
  summary: "delete the stored records of infrastructures destroyed before a date",
  usage: "radl purge --before DATE",
  details: `Deletes from the IM's store (DATA_DB of im.cfg) the records of infrastructures that were
destroyed and last written before DATE (YYYY-MM-DD or YYYY/MM/DD, midnight UTC), as the IM's
delete_old_infs does. Live infrastructures are never touched.

im.cfg is read as the server reads it: <IM_PATH or install root>/im.cfg, etc/im.cfg,
/etc/im/im.cfg, then IM_CONFIG_FILE and IM_<OPTION> variables (IM_DATA_DB, IM_DATA_DIR...).

Exit status: 0 done, 1 configuration or store failure, 2 usage error or invalid DATE.`,

  async run(args, { io }) {
    const { values, positionals } = parseCommandArgs("purge", args, { before: { type: "string" } });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, "purge");
    if (values.before === undefined) throw new UsageError("--before DATE is needed", "purge");
    // the store drivers (SQLite, MySQL, MongoDB) load only when this command runs
    const [{ loadConfig }, store] = await Promise.all([
      import("../api/config/load.js"),
      import("../api/store/index.js"),
    ]);
    let date: Date;
    try {
      date = store.parsePurgeDate(values.before);
    } catch (error) {
      throw new UsageError((error as Error).message, "purge");
    }
    const config = loadConfig();
    const opened = await store.openConfiguredStore(config);
    let purged: number;
    try {
      purged = await store.purgeBefore(opened, values.before);
    } finally {
      await opened.close();
    }
    io.out(
      `Purged ${purged} deleted infrastructure record${purged === 1 ? "" : "s"} last written before ${date.toISOString().slice(0, 10)}\n`,
    );
    return EXIT_OK;
  },
};
