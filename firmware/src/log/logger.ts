// Structured logging: one JSON object per line ({ts, level, component, event, ...fields}), one named
// logger per component, writing to an injectable sink.

export type LogLevel = "debug" | "info" | "warn" | "error";
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LogRecord {
  ts: string;
  level: LogLevel;
  component: string;
  event: string;
  [field: string]: unknown;
}

export type LogSink = (record: LogRecord) => void;

export const stdoutSink: LogSink = (record) => {
  process.stdout.write(JSON.stringify(record, jsonSafe) + "\n");
};

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

export class Logger {
  constructor(
    private readonly component: string,
    private readonly sink: LogSink = stdoutSink,
    private readonly minLevel: LogLevel = "info",
  ) {}

  child(component: string): Logger {
    return new Logger(`${this.component}.${component}`, this.sink, this.minLevel);
  }

  debug(event: string, fields: Record<string, unknown> = {}): void {
    this.write("debug", event, fields);
  }
  info(event: string, fields: Record<string, unknown> = {}): void {
    this.write("info", event, fields);
  }
  warn(event: string, fields: Record<string, unknown> = {}): void {
    this.write("warn", event, fields);
  }
  error(event: string, fields: Record<string, unknown> = {}): void {
    this.write("error", event, fields);
  }

  private write(level: LogLevel, event: string, fields: Record<string, unknown>): void {
    if (order[level] < order[this.minLevel]) return;
    this.sink({ ts: new Date().toISOString(), level, component: this.component, event, ...fields });
  }
}
