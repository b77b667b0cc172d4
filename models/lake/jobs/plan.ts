/**
 * A job's SQL as named steps, for engines of two kinds. As one statement every step is a common
 * table expression, then the result (`planStatement`); Athena, which evaluates a common table
 * expression again at every reference, writes each `materialize`d step once as a table and reads it
 * from there (`stagedPlan`). One machine (DuckDB here) runs it in pieces (infra/local/lake/duckdb.ts): each `materialize`d step is
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

/** How an engine that runs a plan as several statements writes a step out, names it, and drops it. */
export interface Staging {
  /** The work table a step is written to. */
  table(stepId: string): string;
  /** The statement that writes `select`'s rows to the step's table. */
  create(stepId: string, select: string): string;
  /** The statement that drops the step's table once the run is over. */
  drop(stepId: string): string;
}

export interface StagedPlan {
  /** One statement per `materialize`d step, in order: each reads the ones before as tables. */
  work: string[];
  /** The result over every bucket, reading the written steps as tables. */
  result: string;
  /** Drops every work table, the last step's first. */
  cleanup: string[];
}

/**
 * The plan as statements for an engine that evaluates a WITH query again at every reference
 * (Athena): each `materialize`d step is written once, and the statements after it read it as a
 * common table expression of the same name over its table (`SELECT * FROM <table>`), so the steps'
 * text is unchanged and what read the events at every reference reads a written step instead.
 * A step's statement carries only the steps before it (it can refer to no later one).
 */
export function stagedPlan(plan: LakePlan, staging: Staging): StagedPlan {
  const written: string[] = [];
  const stepsBefore = (n: number) =>
    plan.steps
      .slice(0, n)
      .map((s) => (written.includes(s.id) ? { id: s.id, sql: `SELECT * FROM ${staging.table(s.id)}` } : s));
  const work: string[] = [];
  plan.steps.forEach((s, n) => {
    if (!s.materialize) return;
    work.push(staging.create(s.id, withSteps(stepsBefore(n), s.sql)));
    written.push(s.id);
  });
  return {
    work,
    result: withSteps(stepsBefore(plan.steps.length), plan.result(null)),
    cleanup: written.map((id) => staging.drop(id)).reverse(),
  };
}
