import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ConfigError } from "../../api/config/errors.js";
import { loadConfig } from "../../api/config/load.js";
import { createLogger, loggingSettings, normaliseLevel } from "../../api/config/logging.js";

const scratch = mkdtempSync(join(tmpdir(), "radl-logging-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

function configWith(env: Record<string, string>) {
  return loadConfig({ installRoot: scratch, systemFile: join(scratch, "none.cfg"), cwd: scratch, env });
}

describe("logging", () => {
  it("maps LOG_LEVEL names as the reference does", () => {
    assert.equal(normaliseLevel("debug"), "DEBUG");
    assert.equal(normaliseLevel("WARN"), "WARNING");
    assert.equal(normaliseLevel("FATAL"), "CRITICAL");
    assert.equal(normaliseLevel("verbose"), "WARNING");
  });

  it("logs structured lines to standard error when no LOG_FILE is set, filtered by level", () => {
    const settings = loggingSettings(
      configWith({ IM_LOG_LEVEL: "INFO", IM_LOG_CONFIG_FILE: join(scratch, "absent") }),
    );
    assert.equal(settings.destination, "stderr");
    const lines: string[] = [];
    const log = createLogger(settings, (l) => lines.push(l)).category("InfrastructureManager");
    log.debug("hidden");
    log.info("shown");
    assert.equal(lines.length, 1);
    const record = JSON.parse(lines[0]!) as Record<string, string>;
    assert.equal(record.logger, "InfrastructureManager");
    assert.equal(record.level, "INFO");
    assert.equal(record.message, "shown");
  });

  it("writes LOG_FILE in the reference format and rotates at LOG_FILE_MAX_SIZE keeping 3 backups", () => {
    const file = join(scratch, "logs", "im.log");
    const settings = loggingSettings(
      configWith({
        IM_LOG_FILE: file,
        IM_LOG_FILE_MAX_SIZE: "200",
        IM_LOG_CONFIG_FILE: join(scratch, "absent"),
      }),
    );
    const log = createLogger(settings).category("ConfManager");
    for (let i = 0; i < 20; i++) log.warn(`message number ${i} ${"x".repeat(40)}`);
    assert.match(readFileSync(file, "utf8"), /^\S+ - ConfManager - WARNING - message number \d+/);
    assert.ok(existsSync(`${file}.1`) && existsSync(`${file}.3`));
    assert.ok(!existsSync(`${file}.4`));
    assert.ok(readFileSync(file, "utf8").length <= 200);
    assert.match(readFileSync(file, "utf8"), /message number 19/);
  });

  it("sends records to syslog (RFC 5424 over UDP) when the logging configuration file says so", async () => {
    const server = createSocket("udp4");
    const received: string[] = [];
    await new Promise<void>((resolve) => server.bind(0, "127.0.0.1", resolve));
    server.on("message", (m) => received.push(m.toString("utf8")));
    try {
      const conf = join(scratch, "logging.conf");
      writeFileSync(
        conf,
        `[logging]\nlevel = DEBUG\ndestination = syslog\nsyslog_host = 127.0.0.1\nsyslog_port = ${(server.address() as AddressInfo).port}\nsyslog_facility = local3\napp_name = im-test\n`,
      );
      const settings = loggingSettings(configWith({ IM_LOG_CONFIG_FILE: conf }));
      assert.equal(settings.destination, "syslog");
      const logger = createLogger(settings);
      logger.category("CloudConnector").error("cloud went away");
      await logger.close();
      for (let i = 0; i < 50 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(received.length, 1);
      // local3 (19) * 8 + error (3) = 155
      assert.match(received[0]!, /^<155>1 \S+ \S+ im-test \d+ CloudConnector - cloud went away$/);
    } finally {
      server.close();
    }
  });

  it("ignores a Python logging.conf with a warning and rejects bad values naming the key and file", () => {
    const py = join(scratch, "python-logging.conf");
    writeFileSync(py, "[loggers]\nkeys=root\n");
    const settings = loggingSettings(configWith({ IM_LOG_CONFIG_FILE: py }));
    assert.equal(settings.destination, "stderr");
    assert.match(settings.warnings[0]!, /no \[logging\] section/);

    const bad = join(scratch, "bad-logging.conf");
    for (const [body, key] of [
      ["destination = carrier-pigeon", "[logging] destination"],
      ["destination = syslog\nsyslog_port = many", "[logging] syslog_port"],
      ["destination = syslog\nsyslog_facility = kitchen", "[logging] syslog_facility"],
    ] as const) {
      writeFileSync(bad, `[logging]\n${body}\n`);
      assert.throws(
        () => loggingSettings(configWith({ IM_LOG_CONFIG_FILE: bad })),
        (err: unknown) => err instanceof ConfigError && err.option === key && err.source === bad,
      );
    }
  });
});
