/**
 * Where each value of a JSON text is: RFC 6901 pointer → span (line, column, offset, length), so
 * findings on RADL-JSON input (check(), merge) can name `file:line:col` as they do for RADL text.
 * Only called on text `JSON.parse` accepted, so the scanner does not validate.
 */
import type { Span } from "../ir.js";
import { pointer } from "./pointer.js";

export type JsonLocations = ReadonlyMap<string, Span>;

export function locateJson(text: string): JsonLocations {
  const spans = new Map<string, Span>();
  const lineStarts = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lineStarts.push(i + 1);
  let pos = 0;

  const spanAt = (start: number, end: number, at: string): Span => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= start) lo = mid;
      else hi = mid - 1;
    }
    return {
      line: lo + 1,
      column: start - lineStarts[lo]! + 1,
      offset: start,
      length: end - start,
      pointer: at,
    };
  };
  const skipSpace = () => {
    while (pos < text.length && " \t\r\n".includes(text[pos]!)) pos++;
  };
  const skipString = () => {
    pos++;
    while (text[pos] !== '"') pos += text[pos] === "\\" ? 2 : 1;
    pos++;
  };
  const readKey = (): string => {
    const start = pos;
    skipString();
    return JSON.parse(text.slice(start, pos)) as string;
  };
  const value = (at: string): void => {
    skipSpace();
    const start = pos;
    const c = text[pos];
    if (c === "{") {
      pos++;
      skipSpace();
      while (text[pos] !== "}") {
        const key = readKey();
        skipSpace();
        pos++; // ':'
        value(pointer(at, key));
        skipSpace();
        if (text[pos] === ",") pos++;
        skipSpace();
      }
      pos++;
    } else if (c === "[") {
      pos++;
      skipSpace();
      for (let index = 0; text[pos] !== "]"; index++) {
        value(pointer(at, index));
        skipSpace();
        if (text[pos] === ",") pos++;
        skipSpace();
      }
      pos++;
    } else if (c === '"') {
      skipString();
    } else {
      while (pos < text.length && !",]} \t\r\n".includes(text[pos]!)) pos++;
    }
    spans.set(at, spanAt(start, pos, at));
  };
  value("");
  return spans;
}
