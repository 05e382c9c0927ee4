import { createSocket, type Socket } from "node:dgram";
import { appendFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { ConfigError } from "./errors.js";
import { readIniFile } from "./ini-file.js";
import type { ImConfig } from "./load.js";

/**
 * Logging (im-api.md §5.12, §9.11): LOG_LEVEL, LOG_FILE with rotation at LOG_FILE_MAX_SIZE bytes
 * keeping 3 backups, standard error when no LOG_FILE is set, and a logging configuration file
 * (LOG_CONFIG_FILE, default /etc/im/logging.conf) that can send records to syslog.
 *
 * The configuration file is this project's documented equivalent of the reference's Python
 * logging.conf: an INI file with one `[logging]` section —
 *
 *     [logging]
 *     # DEBUG, INFO, WARNING, ERROR or CRITICAL
 *     level = INFO
 *     # stderr, file or syslog (RFC 5424 over UDP)
 *     destination = syslog
 *     syslog_host = 127.0.0.1
 *     syslog_port = 514
 *     syslog_facility = local0
 *     app_name = radl-pulumi
 *     # for destination = file: the file, its rotation size in bytes and the backups kept
 *     file = /var/log/im/im.log
 *     max_size = 10485760
 *     backups = 3
 *
 * As in im.cfg, comments take whole lines only.
 * A file without a `[logging]` section (a Python logging.conf) is ignored with a warning.
 */

export type LogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR" | "CRITICAL";
/** The reference's logger names, kept as categories. */
export type LogCategory = "InfrastructureManager" | "ConfManager" | "CloudConnector";

const RANK: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 };
const SYSLOG_SEVERITY: Record<LogLevel, number> = { DEBUG: 7, INFO: 6, WARNING: 4, ERROR: 3, CRITICAL: 2 };
const FACILITIES: Record<string, number> = {
  user: 1,
  daemon: 3,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
};

export interface LoggingSettings {
  level: LogLevel;
  destination: "stderr" | "file" | "syslog";
  file?: string;
  maxBytes: number;
  backups: number;
  syslog?: { host: string; port: number; facility: number; appName: string };
  /** Where the settings came from, for the start-up log. */
  source: string;
  warnings: string[];
}

/** LOG_LEVEL semantics: DEBUG, INFO, WARN/WARNING, ERROR, FATAL/CRITICAL; anything else is WARNING. */
export function normaliseLevel(value: string): LogLevel {
  const v = value.trim().toUpperCase();
  if (v === "DEBUG" || v === "INFO" || v === "ERROR") return v;
  if (v === "FATAL" || v === "CRITICAL") return "CRITICAL";
  return "WARNING";
}

export function loggingSettings(config: ImConfig): LoggingSettings {
  const im = config.im;
  const fromOptions: LoggingSettings = {
    level: normaliseLevel(im.LOG_LEVEL),
    destination: im.LOG_FILE ? "file" : "stderr",
    ...(im.LOG_FILE ? { file: im.LOG_FILE } : {}),
    maxBytes: im.LOG_FILE_MAX_SIZE,
    backups: 3,
    source: "im.cfg",
    warnings: [],
  };
  const path = im.LOG_CONFIG_FILE;
  if (!path || !existsSync(path)) return fromOptions;
  const sections = readIniFile(path);
  const section = [...sections].find(([name]) => name.toLowerCase() === "logging")?.[1];
  if (!section) {
    return {
      ...fromOptions,
      warnings: [`${path} has no [logging] section (a Python logging.conf?): ignored`],
    };
  }
  const get = (key: string) => section.get(key);
  const int = (key: string, fallback: number, min: number) => {
    const raw = get(key);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw.trim()) || Number(raw) < min) {
      throw new ConfigError(`[logging] ${key}`, path, `${JSON.stringify(raw)} is not an integer >= ${min}`);
    }
    return Number(raw);
  };
  const destination = (get("destination") ?? fromOptions.destination).trim().toLowerCase();
  if (destination !== "stderr" && destination !== "file" && destination !== "syslog") {
    throw new ConfigError(
      "[logging] destination",
      path,
      `${JSON.stringify(destination)} is not stderr, file or syslog`,
    );
  }
  const settings: LoggingSettings = {
    level: get("level") !== undefined ? normaliseLevel(get("level")!) : fromOptions.level,
    destination,
    maxBytes: int("max_size", fromOptions.maxBytes, 1),
    backups: int("backups", 3, 0),
    source: path,
    warnings: [],
  };
  if (destination === "file") {
    const file = get("file") ?? im.LOG_FILE;
    if (!file) throw new ConfigError("[logging] file", path, "destination = file needs a file");
    settings.file = file;
  }
  if (destination === "syslog") {
    const facilityName = (get("syslog_facility") ?? "local0").trim().toLowerCase();
    const facility = FACILITIES[facilityName];
    if (facility === undefined) {
      throw new ConfigError(
        "[logging] syslog_facility",
        path,
        `${JSON.stringify(facilityName)} is not one of ${Object.keys(FACILITIES).join(", ")}`,
      );
    }
    settings.syslog = {
      host: get("syslog_host") ?? "127.0.0.1",
      port: int("syslog_port", 514, 1),
      facility,
      appName: get("app_name") ?? "radl-pulumi",
    };
  }
  return settings;
}

export interface CategoryLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  critical(message: string): void;
}

export interface Logger {
  category(name: LogCategory): CategoryLogger;
  /** Resolves once queued syslog datagrams are sent. */
  close(): Promise<void>;
}

/** Builds the logger; `stderr` can be replaced (tests). */
export function createLogger(
  settings: LoggingSettings,
  stderr: (line: string) => void = (l) => process.stderr.write(l),
): Logger {
  const host = hostname();
  const threshold = RANK[settings.level];
  let sink: (category: LogCategory, level: LogLevel, message: string) => void;
  let socket: Socket | undefined;
  let pending = 0;
  let drained: (() => void) | undefined;

  if (settings.destination === "file") {
    const file = settings.file!;
    mkdirSync(dirname(file), { recursive: true });
    let size = existsSync(file) ? statSync(file).size : 0;
    sink = (category, level, message) => {
      const line = `${new Date().toISOString()} - ${category} - ${level} - ${message}\n`;
      const bytes = Buffer.byteLength(line);
      if (size > 0 && size + bytes > settings.maxBytes) {
        rotate(file, settings.backups);
        size = 0;
      }
      appendFileSync(file, line, { mode: 0o640 });
      size += bytes;
    };
  } else if (settings.destination === "syslog") {
    const target = settings.syslog!;
    socket = createSocket(target.host.includes(":") ? "udp6" : "udp4");
    socket.unref();
    sink = (category, level, message) => {
      const pri = target.facility * 8 + SYSLOG_SEVERITY[level];
      const datagram = `<${pri}>1 ${new Date().toISOString()} ${host} ${target.appName} ${process.pid} ${category} - ${message}`;
      pending++;
      socket!.send(datagram, target.port, target.host, () => {
        pending--;
        if (pending === 0) drained?.();
      });
    };
  } else {
    sink = (category, level, message) =>
      stderr(
        `${JSON.stringify({ time: new Date().toISOString(), host, logger: category, level, message })}\n`,
      );
  }

  const log = (category: LogCategory, level: LogLevel, message: string) => {
    if (RANK[level] >= threshold) sink(category, level, message);
  };
  return {
    category: (name) => ({
      debug: (m) => log(name, "DEBUG", m),
      info: (m) => log(name, "INFO", m),
      warn: (m) => log(name, "WARNING", m),
      error: (m) => log(name, "ERROR", m),
      critical: (m) => log(name, "CRITICAL", m),
    }),
    close: async () => {
      if (!socket) return;
      if (pending > 0) await new Promise<void>((resolve) => (drained = resolve));
      socket.close();
    },
  };
}

function rotate(file: string, backups: number): void {
  if (backups === 0) {
    rmSync(file, { force: true });
    return;
  }
  rmSync(`${file}.${backups}`, { force: true });
  for (let i = backups - 1; i >= 1; i--) {
    if (existsSync(`${file}.${i}`)) renameSync(`${file}.${i}`, `${file}.${i + 1}`);
  }
  renameSync(file, `${file}.1`);
}
