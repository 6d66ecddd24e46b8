/** Plain-text tables and fnmesh-vs-other ratios for the printed report. */

export type Better = "lower" | "higher";

/**
 * `other/fnmesh` when lower is better, `fnmesh/other` when higher is better: above 1 means fnmesh
 * does better. "—" when either side is missing or not positive.
 */
export function ratioText(fnmesh: number | undefined, other: number | undefined, better: Better): string {
  if (fnmesh === undefined || other === undefined || !(fnmesh > 0) || !(other > 0)) return "—";
  const r = better === "lower" ? other / fnmesh : fnmesh / other;
  return `${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)}x`;
}

/** Aligned lines of a table: header, rule, body, rule; the first column left-aligned, the rest right. */
export function formatTable(header: string[], body: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => (cells[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(header), rule, ...body.map(line), rule];
}
