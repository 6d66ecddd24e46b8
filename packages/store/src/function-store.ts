/**
 * The function registry on Postgres. Every write returns the new record and bumps `revisionId`,
 * which executors use to key warm isolates. Writes may be conditional on the caller's revision.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { Component, ErrorCode, FnmeshError } from "@fnmesh/protocol";
import { decodeMarker, encodeMarker } from "./marker.ts";
import { toRecord, type FunctionRow as Row } from "./function-row.ts";
import { createFunctionSettingsStore, type FunctionSettingsStore } from "./function-settings-store.ts";
import type { CodeUpdate, ConfigUpdate, FunctionRecord, ListPage, NewFunction } from "./types.ts";

const COLUMNS: Record<keyof ConfigUpdate, string> = {
  description: "description", runtime: "runtime", handler: "handler", role: "role",
  memoryMb: "memory_mb", timeoutSec: "timeout_sec", env: "env", codeRef: "code_ref",
};

function notFound(name: string): FnmeshError {
  return new FnmeshError(ErrorCode.NotFound, Component.Store, `Function not found: ${name}`);
}

/** The registry: configuration and code (each write bumps the revision), plus per-function settings. */
export interface FunctionStore extends FunctionSettingsStore {
  create(fn: NewFunction): Promise<FunctionRecord>;
  get(name: string): Promise<FunctionRecord | undefined>;
  list(options: { marker?: string; maxItems: number }): Promise<ListPage>;
  updateCode(name: string, code: CodeUpdate, expectedRevisionId?: string): Promise<FunctionRecord>;
  updateConfig(name: string, update: ConfigUpdate, expectedRevisionId?: string): Promise<FunctionRecord>;
  delete(name: string): Promise<boolean>;
}

export function createFunctionStore(pool: pg.Pool): FunctionStore {
  async function update(name: string, sets: [string, unknown][], expected?: string): Promise<FunctionRecord> {
    const values: unknown[] = [name, randomUUID()];
    const assignments = sets.map(([col, val]) => {
      values.push(col === "env" || col === "code_ref" ? JSON.stringify(val) : val);
      return `${col} = $${values.length}`;
    });
    let where = "name = $1";
    if (expected !== undefined) {
      values.push(expected);
      where += ` AND revision_id::text = $${values.length}`;
    }
    const sql = `UPDATE functions SET ${[...assignments, "revision_id = $2", "last_modified = now()"].join(", ")}
      WHERE ${where} RETURNING *`;
    const { rows } = await pool.query<Row>(sql, values);
    if (rows[0]) return toRecord(rows[0]);
    if (expected !== undefined && (await get(name))) {
      throw new FnmeshError(ErrorCode.PreconditionFailed, Component.Store,
        "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id");
    }
    throw notFound(name);
  }

  async function get(name: string): Promise<FunctionRecord | undefined> {
    const { rows } = await pool.query<Row>("SELECT * FROM functions WHERE name = $1", [name]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  return {
    ...createFunctionSettingsStore(pool),
    async create(fn) {
      try {
        const { rows } = await pool.query<Row>(
          `INSERT INTO functions (name, description, runtime, handler, role, memory_mb, timeout_sec, env,
             code_sha256, code_size, zip_key, code_ref, revision_id)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) RETURNING *`,
          [fn.name, fn.description, fn.runtime, fn.handler, fn.role, fn.memoryMb, fn.timeoutSec,
            JSON.stringify(fn.env), fn.codeSha256, fn.codeSize, fn.zipKey, JSON.stringify(fn.codeRef), randomUUID()],
        );
        return toRecord(rows[0] as Row);
      } catch (err) {
        if ((err as { code?: string }).code === "23505") {
          throw new FnmeshError(ErrorCode.Conflict, Component.Store, `Function already exist: ${fn.name}`, { cause: err });
        }
        throw err;
      }
    },
    get,
    async list({ marker, maxItems }) {
      // Markers are opaque to clients; here they are the last name of the previous page, base64url.
      const after = marker ? decodeMarker(marker) : "";
      const { rows } = await pool.query<Row>(
        "SELECT * FROM functions WHERE name > $1 ORDER BY name LIMIT $2", [after, maxItems + 1]);
      const page = rows.slice(0, maxItems).map(toRecord);
      const last = page.at(-1);
      return rows.length > maxItems && last
        ? { functions: page, nextMarker: encodeMarker(last.name) }
        : { functions: page };
    },
    updateCode(name, code, expected) {
      return update(name, [["code_sha256", code.codeSha256], ["code_size", code.codeSize], ["zip_key", code.zipKey],
        ["code_ref", code.codeRef]], expected);
    },
    updateConfig(name, changes, expected) {
      const sets = (Object.keys(changes) as (keyof ConfigUpdate)[])
        .filter((k) => changes[k] !== undefined)
        .map((k): [string, unknown] => [COLUMNS[k], changes[k]]);
      return update(name, sets, expected);
    },
    async delete(name) {
      const { rowCount } = await pool.query("DELETE FROM functions WHERE name = $1", [name]);
      return (rowCount ?? 0) > 0;
    },
  };
}
