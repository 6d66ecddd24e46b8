/**
 * Encoding of fnmesh messages. Plain messages are JSON. Messages that carry a user payload are
 * framed: one line of envelope JSON, `\n`, then the payload bytes verbatim (JSON.stringify never
 * emits a raw newline, so the first 0x0A ends the envelope).
 */
import type { z } from "zod";
import { Component, ErrorCode, FnmeshError } from "./errors.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const NEWLINE = 0x0a;

function invalid(what: string, detail: string): FnmeshError {
  return new FnmeshError(ErrorCode.InvalidMessage, Component.Protocol, `invalid ${what}: ${detail}`);
}

function summarize(error: z.ZodError): string {
  return error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
}

function parseWith<S extends z.ZodType>(schema: S, text: string, what: string): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw invalid(what, `not JSON (${(err as Error).message})`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw invalid(what, summarize(parsed.error));
  return parsed.data;
}

export function encodeJson<S extends z.ZodType>(_schema: S, value: z.input<S>): Uint8Array {
  return enc.encode(JSON.stringify(value));
}

/** Validates at the boundary; throws FnmeshError(invalid_message) naming what was wrong. */
export function decodeJson<S extends z.ZodType>(schema: S, data: Uint8Array, what = "message"): z.output<S> {
  return parseWith(schema, dec.decode(data), what);
}

export function encodeFramed<S extends z.ZodType>(_schema: S, envelope: z.input<S>, payload: Uint8Array): Uint8Array {
  const head = enc.encode(JSON.stringify(envelope));
  const out = new Uint8Array(head.length + 1 + payload.length);
  out.set(head, 0);
  out[head.length] = NEWLINE;
  out.set(payload, head.length + 1);
  return out;
}

export function decodeFramed<S extends z.ZodType>(
  schema: S,
  data: Uint8Array,
  what = "message",
): { envelope: z.output<S>; payload: Uint8Array } {
  const cut = data.indexOf(NEWLINE);
  if (cut < 0) throw invalid(what, "missing envelope line");
  const envelope = parseWith(schema, dec.decode(data.subarray(0, cut)), what);
  return { envelope, payload: data.subarray(cut + 1) };
}
