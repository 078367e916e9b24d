import * as yaml from "js-yaml";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The stacks (directories under stacks/) and the `--project` name steady-deploy knows them by. */
export const STACKS = { platform: "platform", "sample-app": "app" } as const;
/** Environments in deploy order. */
export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
/** The GitHub environment each deploy job runs in (prod's has required reviewers). */
export const GITHUB_ENVIRONMENTS = { dev: "dev", staging: "staging", prod: "production" } as const;

type Obj = Record<string, unknown>;

/** A step running steady-deploy: its bin, the repo's deploy tool's bin, or that tool's built CLI. */
const DEPLOY_CLI = String.raw`(?:steady-(?:repo-)?deploy|deployer\/dist\/cli\.js)`;
/** A step running the post-deploy smoke checks: steady-smoke, or the deploy CLI's `smoke`. */
const SMOKE_CLI = String.raw`(?:steady-smoke|smoke-cli\.js|${DEPLOY_CLI} smoke)`;

/** A YAML file of the pipeline, parsed. */
export interface PipelineFile {
  /** Path relative to the repo root, e.g. `.github/workflows/deploy.yml`. */
  readonly path: string;
  readonly doc: Obj;
  /** The file as committed: comments (the release a pinned action is) are only here. */
  readonly text: string;
}

/** The pipeline as committed: the two workflows and every local composite action. */
export interface Pipeline {
  readonly pullRequest: PipelineFile;
  readonly deploy: PipelineFile;
  /** Composite actions by their `uses:` path, e.g. `./.github/actions/setup-deploy`. */
  readonly actions: ReadonlyMap<string, PipelineFile>;
}

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function parse(root: string, path: string): PipelineFile {
  const text = readFileSync(join(root, path), "utf8");
  const doc = yaml.load(text);
  if (!isObj(doc)) throw new Error(`${path}: not a YAML mapping`);
  return { path, doc, text };
}

/** Reads the committed pipeline from a repo checkout. */
export function loadPipeline(root: string): Pipeline {
  const actions = new Map<string, PipelineFile>();
  const dir = join(root, ".github", "actions");
  if (existsSync(dir)) {
    for (const name of readdirSync(dir).sort()) {
      for (const file of ["action.yml", "action.yaml"]) {
        if (existsSync(join(dir, name, file))) {
          actions.set(`./.github/actions/${name}`, parse(root, `.github/actions/${name}/${file}`));
        }
      }
    }
  }
  return {
    pullRequest: parse(root, ".github/workflows/pull-request.yml"),
    deploy: parse(root, ".github/workflows/deploy.yml"),
    actions,
  };
}

/** `on:` of a workflow (js-yaml reads the bare key `on` as the string "on"). */
function triggers(doc: Obj): Obj {
  const on = doc.on ?? doc.true;
  if (typeof on === "string") return { [on]: null };
  if (Array.isArray(on)) return Object.fromEntries(on.map((t) => [String(t), null]));
  return obj(on);
}

function jobs(doc: Obj): [string, Obj][] {
  return Object.entries(obj(doc.jobs)).map(([id, j]) => [id, obj(j)]);
}

function needsOf(job: Obj): string[] {
  const n = job.needs;
  return typeof n === "string" ? [n] : list(n).map(String);
}

function environmentOf(job: Obj): string | undefined {
  const e = job.environment;
  if (typeof e === "string") return e;
  if (isObj(e) && typeof e.name === "string") return e.name;
  return undefined;
}

/** Every job the given job needs, directly or through others. */
function allNeeds(doc: Obj, id: string, seen = new Set<string>()): Set<string> {
  for (const n of needsOf(obj(obj(doc.jobs)[id]))) {
    if (!seen.has(n)) {
      seen.add(n);
      allNeeds(doc, n, seen);
    }
  }
  return seen;
}

/** The steps of a job, with local composite actions expanded in place (one level deep). */
function expandedSteps(p: Pipeline, steps: unknown): { step: Obj; inputs: Obj }[] {
  return list(steps).flatMap((s) => {
    const step = obj(s);
    const action = typeof step.uses === "string" ? p.actions.get(step.uses) : undefined;
    if (!action) return [{ step, inputs: {} }];
    const inner = list(obj(obj(action.doc).runs).steps);
    return [{ step, inputs: {} }, ...inner.map((i) => ({ step: obj(i), inputs: obj(step.with) }))];
  });
}

/**
 * One combination of a job's `strategy.matrix`, computed the way GitHub does: the product of the
 * list-valued keys, then each `include` entry is merged into every combination it does not
 * contradict (or added as a new combination when it matches none).
 */
export function expandMatrix(matrix: unknown): Record<string, string>[] {
  const m = obj(matrix);
  const axes = Object.entries(m).filter(([k]) => k !== "include" && k !== "exclude");
  let combos: Record<string, string>[] = [{}];
  for (const [key, values] of axes) {
    combos = combos.flatMap((c) => list(values).map((v) => ({ ...c, [key]: String(v) })));
  }
  const excludes = list(m.exclude).map(obj);
  combos = combos.filter(
    (c) => !excludes.some((e) => Object.entries(e).every(([k, v]) => c[k] === String(v))),
  );
  const original = combos.map((c) => ({ ...c }));
  for (const inc of list(m.include).map(obj)) {
    const entries = Object.entries(inc).map(([k, v]) => [k, String(v)] as const);
    let matched = false;
    combos.forEach((c, i) => {
      const base = original[i]!;
      // An include entry may not overwrite a value of the original combination.
      const fits = entries.every(([k, v]) => !(k in base) || base[k] === v);
      if (fits) {
        matched = true;
        for (const [k, v] of entries) c[k] = v;
      }
    });
    if (!matched) combos.push(Object.fromEntries(entries));
  }
  return combos;
}

/** Resolves `${{ matrix.x }}` in a string for one matrix combination. */
function withMatrix(s: string, combo: Record<string, string>): string {
  return s.replace(/\$\{\{\s*matrix\.([\w-]+)\s*\}\}/g, (_, k: string) => combo[k] ?? "");
}

/** The shell command of a step with its `env:` values substituted (`"$X"` and `$X`). */
function commandOf(step: Obj, context: (s: string) => string): string {
  let run = typeof step.run === "string" ? step.run : "";
  for (const [k, v] of Object.entries(obj(step.env))) {
    const value = context(String(v));
    run = run.split(`"$${k}"`).join(value).split(`$${k}`).join(value);
  }
  return run.replace(/\\\n\s*/g, " ").replace(/\s+/g, " ");
}

// ---------------------------------------------------------------------------------------------

/** Every stack is previewed in every environment on a pull request, guarded, with a summary. */
export function checkPreviewMatrix(p: Pipeline): string[] {
  const problems: string[] = [];
  const where = p.pullRequest.path;
  if (!("pull_request" in triggers(p.pullRequest.doc))) {
    problems.push(`${where}: does not run on pull_request`);
  }
  const previews = new Set<string>();
  for (const [id, job] of jobs(p.pullRequest.doc)) {
    const combos = job.strategy ? expandMatrix(obj(job.strategy).matrix) : [{}];
    for (const combo of combos) {
      for (const { step, inputs } of expandedSteps(p, job.steps)) {
        const ctx = (s: string) =>
          withMatrix(s, combo).replace(/\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g, (_, k: string) =>
            withMatrix(String(inputs[k] ?? ""), combo),
          );
        const cmd = commandOf(step, ctx);
        const m = new RegExp(`${DEPLOY_CLI} preview (.*)`).exec(cmd);
        if (!m) continue;
        const args = m[1]!;
        const project = /--project "?([\w-]+)"?/.exec(args)?.[1];
        const env = /--env "?([\w-]+)"?/.exec(args)?.[1];
        const stack = Object.entries(STACKS).find(([, proj]) => proj === project)?.[0];
        if (!stack || !env) {
          problems.push(`${where}: job ${id} runs a preview without a known --project and --env`);
          continue;
        }
        if (!/--summary-md "?\$GITHUB_STEP_SUMMARY"?/.test(args)) {
          problems.push(
            `${where}: job ${id} previews ${stack} (${env}) without --summary-md "$GITHUB_STEP_SUMMARY"`,
          );
        }
        if (/--allow\b/.test(args)) {
          problems.push(
            `${where}: job ${id} previews ${stack} (${env}) with --allow: the guard must stay on`,
          );
        }
        const secret = String(combo["kubeconfig-secret"] ?? "");
        if (secret && secret !== `KUBECONFIG_${env.toUpperCase()}`) {
          problems.push(
            `${where}: job ${id} previews ${stack} (${env}) with the kubeconfig of ${secret}`,
          );
        }
        previews.add(`${stack}/${env}`);
      }
    }
  }
  for (const stack of Object.keys(STACKS)) {
    for (const env of ENVIRONMENTS) {
      if (!previews.has(`${stack}/${env}`)) {
        problems.push(`${where}: no guarded preview of ${stack} in ${env}`);
      }
    }
  }
  return problems;
}

/** The jobs of the deploy workflow that run `up` of an environment, and those that smoke-check it. */
function deployJobs(p: Pipeline): { up: Map<string, string[]>; smoke: Map<string, string[]> } {
  const up = new Map<string, string[]>();
  const smoke = new Map<string, string[]>();
  const add = (m: Map<string, string[]>, env: string, id: string) => {
    const ids = m.get(env) ?? [];
    if (!ids.includes(id)) m.set(env, [...ids, id]);
  };
  for (const [id, job] of jobs(p.deploy.doc)) {
    for (const { step, inputs } of expandedSteps(p, job.steps)) {
      const ctx = (s: string) =>
        s.replace(/\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g, (_, k: string) => String(inputs[k] ?? ""));
      const cmd = commandOf(step, ctx);
      const upEnv = new RegExp(`${DEPLOY_CLI} up .*--env "?(\\w+)"?`).exec(cmd)?.[1];
      if (upEnv) add(up, upEnv, id);
      const smokeEnv = new RegExp(`${SMOKE_CLI} .*--env "?(\\w+)"?`).exec(cmd)?.[1];
      if (smokeEnv) add(smoke, smokeEnv, id);
    }
  }
  return { up, smoke };
}

/**
 * The deploy workflow runs on main: dev, dev's smoke checks, staging, staging's checks, then
 * prod in the `production` environment, ordered through `needs`; each job that deploys or checks
 * an environment runs in that environment's GitHub environment (its secrets).
 */
export function checkDeployOrder(p: Pipeline): string[] {
  const problems: string[] = [];
  const where = p.deploy.path;
  const doc = p.deploy.doc;
  const on = triggers(doc);
  const branches = list(obj(on.push).branches).map(String);
  if (!branches.includes("main")) problems.push(`${where}: does not run on push to main`);
  if (!("workflow_dispatch" in on))
    problems.push(`${where}: cannot be run by hand (workflow_dispatch)`);

  const { up, smoke } = deployJobs(p);
  const jobMap = obj(doc.jobs);
  for (const env of ENVIRONMENTS) {
    const ups = up.get(env) ?? [];
    if (ups.length !== 1) {
      problems.push(`${where}: ${ups.length} jobs run up in ${env} (expected exactly one)`);
    }
    if (!(smoke.get(env) ?? []).length) problems.push(`${where}: no smoke checks of ${env}`);
    for (const id of new Set([...ups, ...(smoke.get(env) ?? [])])) {
      const got = environmentOf(obj(jobMap[id]));
      if (got !== GITHUB_ENVIRONMENTS[env]) {
        problems.push(
          `${where}: job ${id} works on ${env} but runs in environment ${got ?? "(none)"}, expected ${GITHUB_ENVIRONMENTS[env]}`,
        );
      }
    }
  }
  // Each environment's up needs the previous environment's up and its smoke checks.
  for (let i = 1; i < ENVIRONMENTS.length; i++) {
    const env = ENVIRONMENTS[i]!;
    const previous = ENVIRONMENTS[i - 1]!;
    for (const id of up.get(env) ?? []) {
      const before = allNeeds(doc, id);
      for (const required of [...(up.get(previous) ?? []), ...(smoke.get(previous) ?? [])]) {
        if (!before.has(required)) {
          problems.push(
            `${where}: job ${id} (${env}) does not need ${required} (${previous}) first`,
          );
        }
      }
    }
  }
  // Smoke checks run after their environment's up.
  for (const env of ENVIRONMENTS) {
    for (const id of smoke.get(env) ?? []) {
      const ups = up.get(env) ?? [];
      if (ups.includes(id)) continue; // the same job: steps run in order
      if (!ups.every((u) => allNeeds(doc, id).has(u))) {
        problems.push(`${where}: smoke job ${id} does not need the up of ${env}`);
      }
    }
  }
  // Only the prod job may use the approval-gated environment.
  for (const [id, job] of jobs(doc)) {
    if (environmentOf(job) === GITHUB_ENVIRONMENTS.prod && !(up.get("prod") ?? []).includes(id)) {
      problems.push(
        `${where}: job ${id} runs in ${GITHUB_ENVIRONMENTS.prod} but does not deploy prod`,
      );
    }
  }
  const concurrency = obj(doc.concurrency);
  if (typeof concurrency.group !== "string" || /\$\{\{/.test(concurrency.group)) {
    problems.push(`${where}: concurrency.group must be one fixed name (one deploy at a time)`);
  }
  if (concurrency["cancel-in-progress"] !== false) {
    problems.push(`${where}: concurrency.cancel-in-progress must be false (never cancel a deploy)`);
  }
  return problems;
}

/** Names whose values are credentials: they may only come from `secrets` (or action inputs). */
const SENSITIVE =
  /passphrase|password|token|secret|kubeconfig|credential|private[-_]?key|backend[-_]url/i;

/** `${{ secrets.NAME }}` or `${{ secrets[...] }}`, and nothing else. */
const FROM_SECRETS = /^\$\{\{\s*secrets(\.[A-Za-z_][\w]*|\[[^\]]+\])\s*\}\}$/;
/** Inside a composite action, values come in as inputs. */
const FROM_INPUTS = /^\$\{\{\s*inputs\.[\w-]+\s*\}\}$/;

/**
 * No credential is written into the pipeline: every `env:` or `with:` value whose name looks
 * like a credential comes from `${{ secrets.* }}` (composite actions: from `${{ inputs.* }}`), and
 * no run script assigns one a literal.
 */
export function checkNoSecretLiterals(p: Pipeline): string[] {
  const problems: string[] = [];
  const files = [p.pullRequest, p.deploy, ...p.actions.values()];
  for (const f of files) {
    const composite = f.path.includes("/actions/");
    const visit = (node: unknown, path: string): void => {
      if (Array.isArray(node)) return node.forEach((n, i) => visit(n, `${path}[${i}]`));
      if (!isObj(node)) return;
      for (const [k, v] of Object.entries(node)) {
        const here = path ? `${path}.${k}` : k;
        const inValues = /(^|\.)(env|with)$/.test(path);
        // A boolean or a number is a setting (persist-credentials: false), never a credential.
        const settable = typeof v !== "boolean" && typeof v !== "number";
        if (inValues && settable && SENSITIVE.test(k) && !/(^|[-_])(name|file|path)$/i.test(k)) {
          const value = String(v ?? "");
          const ok = FROM_SECRETS.test(value) || (composite && FROM_INPUTS.test(value));
          if (!ok)
            problems.push(`${f.path}: ${here} is ${JSON.stringify(value)}, not a secret reference`);
        }
        if (k === "run" && typeof v === "string") {
          for (const m of v.matchAll(
            /\b([A-Z_]*(?:PASSPHRASE|PASSWORD|TOKEN|SECRET)[A-Z_]*)=([^\s;]+)/g,
          )) {
            if (!m[2]!.startsWith("$")) {
              problems.push(`${f.path}: ${here} assigns ${m[1]} a literal value`);
            }
          }
        }
        visit(v, here);
      }
    };
    visit(f.doc, "");
  }
  return problems;
}

/** What a workflow may be granted: reading the code, nothing else. */
export const ALLOWED_PERMISSIONS: Readonly<Record<string, string>> = { contents: "read" };

/**
 * Permissions are minimal: each workflow sets `permissions:` at the top to at most
 * {@link ALLOWED_PERMISSIONS}, and no job widens them.
 */
export function checkPermissions(p: Pipeline): string[] {
  const problems: string[] = [];
  for (const f of [p.pullRequest, p.deploy]) {
    const check = (perms: unknown, where: string, required: boolean) => {
      if (perms === undefined) {
        if (required)
          problems.push(`${where}: no permissions: the token would get the repository default`);
        return;
      }
      if (typeof perms === "string") {
        problems.push(`${where}: permissions: ${perms} (list each scope instead)`);
        return;
      }
      for (const [scope, level] of Object.entries(obj(perms))) {
        if (level === "none") continue;
        if (ALLOWED_PERMISSIONS[scope] !== level) {
          problems.push(`${where}: permissions grant ${scope}: ${String(level)}`);
        }
      }
    };
    check(f.doc.permissions, f.path, true);
    for (const [id, job] of jobs(f.doc)) check(job.permissions, `${f.path}: job ${id}`, false);
  }
  return problems;
}

/**
 * `uses:` lines of third-party actions pinned to a commit SHA that do not say which release the
 * commit is (`# v1.2.3` after it): a reviewer of a bump would not see what changed.
 */
function pinsWithoutRelease(f: PipelineFile): string[] {
  return f.text.split("\n").flatMap((line, i) => {
    const m = /^\s*(?:-\s*)?uses:\s*([\w.-]+\/[\w./-]+@[0-9a-f]{40})\s*(#.*)?$/.exec(line);
    return m && !/^#\s*v\d+(\.\d+)*\b/.test(m[2] ?? "")
      ? [`${f.path}:${i + 1}: ${m[1]} has no "# vX.Y.Z" comment naming the release it pins`]
      : [];
  });
}

/**
 * Hygiene of every job: third-party actions pinned to a full commit SHA with the release in a
 * comment, checkout without a persisted token, a timeout; pull requests cancel superseded runs
 * of the same ref.
 */
export function checkHygiene(p: Pipeline): string[] {
  const problems: string[] = [];
  for (const f of [p.pullRequest, p.deploy, ...p.actions.values()]) {
    const steps = [
      ...jobs(f.doc).flatMap(([, j]) => list(j.steps)),
      ...list(obj(f.doc.runs).steps),
    ].map(obj);
    for (const s of steps) {
      if (typeof s.uses !== "string" || s.uses.startsWith("./")) continue;
      if (!/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(s.uses)) {
        problems.push(`${f.path}: ${s.uses} is not pinned to a full commit SHA`);
      }
      if (s.uses.startsWith("actions/checkout@") && obj(s.with)["persist-credentials"] !== false) {
        problems.push(
          `${f.path}: ${s.uses} keeps the token in .git/config (persist-credentials: false)`,
        );
      }
    }
    problems.push(...pinsWithoutRelease(f));
    for (const [id, job] of jobs(f.doc)) {
      if (typeof job["timeout-minutes"] !== "number") {
        problems.push(`${f.path}: job ${id} has no timeout-minutes`);
      }
    }
  }
  const concurrency = obj(p.pullRequest.doc.concurrency);
  if (
    !String(concurrency.group ?? "").includes("github.ref") ||
    concurrency["cancel-in-progress"] !== true
  ) {
    problems.push(
      `${p.pullRequest.path}: concurrency must be per ref (group with github.ref) and cancel superseded runs`,
    );
  }
  return problems;
}

/**
 * What every job that previews, deploys or smoke-checks a real environment runs on: official
 * releases, never the source-built toolchain (the test job's, for its local clusters).
 */
export const DEPLOY_JOB_PARTS = {
  /** The action that installs the Pulumi CLI: Pulumi's own. */
  pulumiAction: "pulumi/actions",
  /** `node-version` of actions/setup-node: the current Node.js LTS. */
  nodeVersion: "24",
} as const;

/** The source-built toolchain's build, run directly or through `npm run toolchain`. */
const TOOLCHAIN_BUILD = /tools\/toolchain\/build\.sh|npm run toolchain\b/;

/** The steps of every job that runs steady-deploy or the smoke checks, with their commands. */
function deployJobSteps(p: Pipeline) {
  return [p.pullRequest, p.deploy].flatMap((f) =>
    jobs(f.doc).flatMap(([id, job]) => {
      const steps = expandedSteps(p, job.steps).map(({ step, inputs }) => ({
        step,
        with: obj(step.with),
        command: commandOf(step, (v) =>
          v.replace(/\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g, (_, k: string) => String(inputs[k] ?? "")),
        ),
      }));
      const runs = new RegExp(`${DEPLOY_CLI} (?:preview|up)\\b|${SMOKE_CLI}`);
      const first = steps.findIndex((s) => runs.test(s.command));
      return first < 0 ? [] : [{ where: `${f.path}: job ${id}`, steps, first }];
    }),
  );
}

const usesOf = (step: Obj, action: string) =>
  typeof step.uses === "string" && step.uses.startsWith(`${action}@`);

/**
 * Every job that previews, deploys or smoke-checks an environment installs the Pulumi CLI with
 * Pulumi's action (install only, an exact CLI version) before it runs steady-deploy or
 * steady-smoke, runs Node.js 24, and neither sets up Go nor builds the toolchain.
 */
export function checkDeployJobParts(p: Pipeline): string[] {
  const { pulumiAction, nodeVersion } = DEPLOY_JOB_PARTS;
  const problems: string[] = [];
  for (const { where, steps, first } of deployJobSteps(p)) {
    const cli = steps.findIndex((s) => usesOf(s.step, pulumiAction));
    if (cli < 0 || cli > first) {
      problems.push(
        `${where} runs steady-deploy or steady-smoke without installing the Pulumi CLI with ${pulumiAction} first`,
      );
    }
    const version = cli < 0 ? "" : String(steps[cli]!.with["pulumi-version"] ?? "");
    if (cli >= 0 && !/^\d+\.\d+\.\d+$/.test(version)) {
      problems.push(
        `${where}: ${pulumiAction} installs Pulumi CLI "${version || "latest"}": pin one release (pulumi-version: X.Y.Z)`,
      );
    }
    if (cli >= 0 && steps[cli]!.with.command !== undefined) {
      problems.push(
        `${where}: ${pulumiAction} runs \`pulumi ${String(steps[cli]!.with.command)}\` itself: install only, steady-deploy runs the commands`,
      );
    }
    const nodes = steps.filter((s) => usesOf(s.step, "actions/setup-node"));
    const versions = nodes.map((s) => String(s.with["node-version"] ?? ""));
    if (!nodes.length || versions.some((v) => v !== nodeVersion)) {
      problems.push(
        `${where} runs on Node.js ${versions.join(", ") || "(not set up)"}, expected ${nodeVersion} (actions/setup-node)`,
      );
    }
    if (steps.some((s) => usesOf(s.step, "actions/setup-go"))) {
      problems.push(`${where} sets up Go: a deploy job installs official releases, it builds none`);
    }
    if (steps.some((s) => TOOLCHAIN_BUILD.test(s.command))) {
      problems.push(
        `${where} builds the toolchain (tools/toolchain/build.sh): a deploy job runs the official Pulumi CLI`,
      );
    }
  }
  return problems;
}

/** Every check of the pipeline contract; empty when the pipeline keeps it. */
export function checkPipeline(p: Pipeline): string[] {
  return [
    ...checkPreviewMatrix(p),
    ...checkDeployOrder(p),
    ...checkDeployJobParts(p),
    ...checkNoSecretLiterals(p),
    ...checkPermissions(p),
    ...checkHygiene(p),
  ];
}

/** The bash `run:` scripts of the pipeline's composite actions, for shellcheck. */
export function compositeScripts(
  actions: Iterable<Pick<PipelineFile, "path" | "doc">>,
): { where: string; script: string }[] {
  return [...actions].flatMap((f) =>
    list(obj(f.doc.runs).steps).flatMap((s, i) => {
      const step = obj(s);
      return typeof step.run === "string" && step.shell === "bash"
        ? [{ where: `${f.path}: runs.steps[${i}]`, script: step.run }]
        : [];
    }),
  );
}
