/**
 * A job's SQL as named steps, for engines of two kinds. A distributed engine (Athena) runs the whole
 * as one statement: every step a common table expression, then the result (`planStatement`). One
 * machine (DuckDB here) runs it in pieces (infra/local/lake/duckdb.ts): each `materialize`d step is
 * written out (Parquet, partitioned by `partitionBy` when given) before the statements that read it
 * run, and the result runs once per bucket, so that no one statement holds the whole job's working
 * set. The steps' text is the same either way; only where it stops to write differs.
 */
export interface LakePlan {
  steps: readonly {
    id: string;
    sql: string;
    materialize?: {
      partitionBy?: string;
      /**
       * Written in this many statements, each the step's rows of one part (`of(part)`: the same
       * SQL with a filter): a part's joins and windows fit in memory where the whole step's spilled.
       */
      parts?: { count: number; of(part: number): string };
    };
  }[];
  /** The result: of every bucket (`null`, the single statement), or of one. */
  result(bucket: number | null): string;
  /** How many buckets the result is cut in on one machine (none: one statement). */
  buckets?: number;
}

/** `select` with `steps` as its common table expressions (none: `select` alone). */
export function withSteps(steps: LakePlan['steps'], select: string): string {
  if (steps.length === 0) return select;
  return `WITH ${steps.map((s) => `${s.id} AS (\n${s.sql}\n)`).join(',\n')}\n${select}`;
}

/** The plan as one statement: every step a common table expression. */
export function planStatement(plan: LakePlan): string {
  return withSteps(plan.steps, plan.result(null));
}
