// What agents report as they work: a line for people, and the same event with its fields
// for machines (`--json`: one object per line). The `event` field names what happened.
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export type Log = (message: string, fields?: LogFields) => void;

/** `HH:MM:SS message` lines. */
export function humanLog(write: (line: string) => void = (l) => console.log(l)): Log {
  return (message) => write(`${new Date().toISOString().slice(11, 19)} ${message}`);
}

/** One JSON object per line: time, message and the event's fields. */
export function jsonLog(write: (line: string) => void = (l) => console.log(l)): Log {
  return (message, fields = {}) => write(JSON.stringify({ time: new Date().toISOString(), ...fields, message }));
}
