/** The table every scale case prints: a figure, the goal for it, and whether it was met. */

export interface GoalRow {
  readonly measure: string;
  readonly figure: string;
  /** The goal in words ("< 1 s"), or "" for a figure printed for context only. */
  readonly goal: string;
  /** Whether the goal was met; undefined for context-only figures. */
  readonly met?: boolean;
}

/** Prints `rows` as a Markdown table under `title`. */
export function printGoalTable(title: string, rows: readonly GoalRow[]): void {
  console.log(`\n${title}`);
  console.log('| measure | figure | goal (issue 18) | goal met |');
  console.log('|---|---:|---|---|');
  for (const r of rows) console.log(`| ${r.measure} | ${r.figure} | ${r.goal || '—'} | ${r.met === undefined ? '—' : r.met ? 'met' : '**not met**'} |`);
}

/** A duration in ms with 2 decimals below 10 ms, 0 above. */
export const ms = (value: number): string => `${value.toFixed(value < 10 ? 2 : 0)} ms`;
