import * as pulumi from "@pulumi/pulumi";

/** One invalid input: where it is and why it is wrong. */
export interface Problem {
  /** Dotted path of the offending property, e.g. `rollout.maxSurge` or `containers[0].image`. */
  readonly propertyPath: string;
  /** What is wrong and what would be valid. */
  readonly reason: string;
}

/**
 * Collects every problem with a set of inputs so they can be reported together, once.
 *
 * Validation never stops at the first problem: a user fixing config in a pipeline should see
 * every mistake in one run, not one per run.
 */
export class Problems {
  private readonly items: Problem[] = [];

  /** Records a problem at `propertyPath`. */
  add(propertyPath: string, reason: string): void {
    this.items.push({ propertyPath, reason });
  }

  /** Records a problem when `condition` is false; returns `condition`. */
  check(condition: boolean, propertyPath: string, reason: string): boolean {
    if (!condition) this.add(propertyPath, reason);
    return condition;
  }

  /** Adds every problem from `other`, with `prefix` in front of its paths. */
  merge(other: readonly Problem[], prefix = ""): void {
    for (const p of other) {
      const path =
        prefix && p.propertyPath ? `${prefix}.${p.propertyPath}` : prefix || p.propertyPath;
      this.add(path, p.reason);
    }
  }

  /** The problems recorded so far, in the order they were found. */
  get list(): readonly Problem[] {
    return this.items;
  }

  /** Whether no problem was recorded. */
  get ok(): boolean {
    return this.items.length === 0;
  }

  /**
   * Throws one {@link ArgsValidationError} listing every problem, if there is any.
   * @param subject what was validated, e.g. `AppDeployment "web"`.
   */
  throwIfAny(subject: string): void {
    if (!this.ok) throw new ArgsValidationError(subject, this.items);
  }
}

/** Records a problem unless `n` is undefined or an integer in [min, max]. */
export function checkIntRange(
  problems: Problems,
  path: string,
  n: number | undefined,
  min: number,
  max: number,
): void {
  if (n === undefined) return;
  problems.check(
    typeof n === "number" && Number.isInteger(n) && n >= min && n <= max,
    path,
    `${JSON.stringify(n)} is out of range: expected an integer from ${min} to ${max}`,
  );
}

/** Formats problems as one readable message: a headline, then one line per problem. */
export function formatProblems(subject: string, problems: readonly Problem[]): string {
  const n = problems.length;
  const lines = problems.map(
    (p) => `  - ${p.propertyPath ? `${p.propertyPath}: ` : ""}${p.reason}`,
  );
  return `${subject} has ${n} invalid input${n === 1 ? "" : "s"}:\n${lines.join("\n")}`;
}

/**
 * The error every steady component throws for bad arguments, before registering any child.
 *
 * It is a `pulumi.InputPropertiesError`, so the engine and tooling that understand property paths
 * can point at each one; its message alone already lists every problem.
 */
export class ArgsValidationError extends pulumi.InputPropertiesError {
  /** The problems, in the order they were found. */
  readonly problems: readonly Problem[];

  constructor(subject: string, problems: readonly Problem[]) {
    super({
      message: formatProblems(subject, problems),
      errors: problems.map((p) => ({ propertyPath: p.propertyPath, reason: p.reason })),
    });
    this.name = "ArgsValidationError";
    this.problems = problems;
  }
}
