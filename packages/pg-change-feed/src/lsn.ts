/** PostgreSQL log sequence numbers: `X/Y` (two hex halves of a 64-bit WAL position) ⇄ bigint. */

export function parseLsn(lsn: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn);
  if (!m) throw new RangeError(`not an LSN: ${JSON.stringify(lsn)}`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

/** As PostgreSQL prints it: `16/B374D848`. */
export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** 16 hex digits: sorts as the LSN does. */
export function sortableLsn(lsn: bigint): string {
  return lsn.toString(16).toUpperCase().padStart(16, "0");
}
