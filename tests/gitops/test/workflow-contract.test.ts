import { repoRoot } from "@steady/deployer";
import {
  checkDeployJobParts,
  checkDeployOrder,
  checkHygiene,
  checkNoSecretLiterals,
  checkPermissions,
  checkPipeline,
  checkPreviewMatrix,
  expandMatrix,
  loadPipeline,
  type Pipeline,
} from "../src/workflow-contract";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const committed = loadPipeline(repoRoot());

/** A deep copy of the committed pipeline with one deliberate change. */
function broken(
  change: (files: { pr: Obj; deploy: Obj; action: (name: string) => Obj }) => void,
): Pipeline {
  const copy: Pipeline = {
    pullRequest: { ...committed.pullRequest, doc: structuredClone(committed.pullRequest.doc) },
    deploy: { ...committed.deploy, doc: structuredClone(committed.deploy.doc) },
    actions: new Map(
      [...committed.actions].map(([k, f]) => [k, { ...f, doc: structuredClone(f.doc) }]),
    ),
  };
  change({
    pr: copy.pullRequest.doc,
    deploy: copy.deploy.doc,
    action: (name) => copy.actions.get(`./.github/actions/${name}`)!.doc,
  });
  return copy;
}

const stepOf = (job: Obj, uses: string): Obj => job.steps.find((s: Obj) => s.uses === uses);

describe("the committed pipeline", () => {
  it("keeps the whole contract", () => {
    expect(checkPipeline(committed)).toEqual([]);
  });

  it("has the composite actions its workflows use", () => {
    expect([...committed.actions.keys()]).toEqual(
      expect.arrayContaining([
        "./.github/actions/setup-deploy",
        "./.github/actions/setup-test",
        "./.github/actions/cluster-access",
        "./.github/actions/up",
        "./.github/actions/smoke",
      ]),
    );
  });
});

describe("recognising the deploy and smoke commands", () => {
  it("takes the smoke checks as the deploy tool's `smoke` command as well as steady-smoke", () => {
    const p = broken(({ action }) => {
      action("smoke").runs.steps[0].run =
        'node tools/deployer/dist/cli.js smoke --env "$STEADY_ENV" --http --summary-md "$GITHUB_STEP_SUMMARY"';
    });
    expect(checkPipeline(p)).toEqual([]);
  });

  it("finds no smoke checks when the smoke step runs something else", () => {
    const p = broken(({ action }) => (action("smoke").runs.steps[0].run = "true"));
    expect(checkDeployOrder(p)).toEqual([
      ".github/workflows/deploy.yml: no smoke checks of dev",
      ".github/workflows/deploy.yml: no smoke checks of staging",
      ".github/workflows/deploy.yml: no smoke checks of prod",
    ]);
  });
});

describe("expanding a job matrix as GitHub does", () => {
  it("adds include keys to the combinations they fit and appends the rest", () => {
    expect(
      expandMatrix({
        stack: ["platform", "sample-app"],
        env: ["dev", "prod"],
        include: [
          { stack: "sample-app", project: "app" },
          { env: "prod", secret: "P" },
          { stack: "other", env: "dev" },
        ],
        exclude: [{ stack: "platform", env: "prod" }],
      }),
    ).toEqual([
      { stack: "platform", env: "dev" },
      { stack: "sample-app", env: "dev", project: "app" },
      { stack: "sample-app", env: "prod", project: "app", secret: "P" },
      { stack: "other", env: "dev" },
    ]);
  });
});

describe("every stack is previewed in every environment on a pull request", () => {
  it("misses a stack x environment that the matrix drops", () => {
    const p = broken(({ pr }) => (pr.jobs.preview.strategy.matrix.env = ["dev", "staging"]));
    expect(checkPreviewMatrix(p)).toEqual([
      // The include entry for prod now matches no combination: GitHub runs it as one of its own.
      ".github/workflows/pull-request.yml: job preview runs a preview without a known --project and --env",
      ".github/workflows/pull-request.yml: no guarded preview of platform in prod",
      ".github/workflows/pull-request.yml: no guarded preview of sample-app in prod",
    ]);
  });

  it("wants the summary in the job summary and the guard left on", () => {
    const p = broken(({ pr }) => {
      const step = pr.jobs.preview.steps.find((s: Obj) => String(s.run).includes("preview"));
      step.run = step.run.replace('--summary-md "$GITHUB_STEP_SUMMARY"', "--allow urn:x");
    });
    const problems = checkPreviewMatrix(p);
    expect(problems).toHaveLength(12);
    expect(problems).toContain(
      '.github/workflows/pull-request.yml: job preview previews platform (dev) without --summary-md "$GITHUB_STEP_SUMMARY"',
    );
    expect(problems).toContain(
      ".github/workflows/pull-request.yml: job preview previews sample-app (prod) with --allow: the guard must stay on",
    );
  });

  it("catches an environment previewed with another environment's kubeconfig", () => {
    const p = broken(({ pr }) => {
      const inc = pr.jobs.preview.strategy.matrix.include.find((i: Obj) => i.env === "prod");
      inc["kubeconfig-secret"] = "KUBECONFIG_DEV";
    });
    expect(checkPreviewMatrix(p)).toEqual([
      ".github/workflows/pull-request.yml: job preview previews platform (prod) with the kubeconfig of KUBECONFIG_DEV",
      ".github/workflows/pull-request.yml: job preview previews sample-app (prod) with the kubeconfig of KUBECONFIG_DEV",
    ]);
  });

  it("needs the pull_request trigger", () => {
    const p = broken(({ pr }) => {
      delete pr.on;
      pr.on = { push: null };
    });
    expect(checkPreviewMatrix(p)).toEqual([
      ".github/workflows/pull-request.yml: does not run on pull_request",
    ]);
  });
});

describe("deploys go dev, then staging, then prod behind an approval", () => {
  it("catches staging no longer waiting for dev's smoke checks", () => {
    const p = broken(({ deploy }) => (deploy.jobs.staging.needs = []));
    expect(checkDeployOrder(p)).toEqual([
      ".github/workflows/deploy.yml: job staging (staging) does not need dev (dev) first",
      ".github/workflows/deploy.yml: job staging (staging) does not need dev-checks (dev) first",
    ]);
  });

  it("catches prod outside the production environment", () => {
    const p = broken(({ deploy }) => (deploy.jobs.prod.environment = "prod"));
    expect(checkDeployOrder(p)).toEqual([
      ".github/workflows/deploy.yml: job prod works on prod but runs in environment prod, expected production",
    ]);
  });

  it("catches a second job that would use the production environment's secrets", () => {
    const p = broken(({ deploy }) => {
      deploy.jobs["staging-checks"].environment = { name: "production" };
    });
    expect(checkDeployOrder(p)).toEqual([
      ".github/workflows/deploy.yml: job staging-checks works on staging but runs in environment production, expected staging",
      ".github/workflows/deploy.yml: job staging-checks runs in production but does not deploy prod",
    ]);
  });

  it("catches an environment without smoke checks", () => {
    const p = broken(({ deploy }) => {
      delete deploy.jobs["dev-checks"];
      deploy.jobs.staging.needs = "dev";
    });
    expect(checkDeployOrder(p)).toEqual([".github/workflows/deploy.yml: no smoke checks of dev"]);
  });

  it("wants one deploy at a time, never cancelled, on main and by hand", () => {
    const p = broken(({ deploy }) => {
      deploy.concurrency = { group: "deploy-${{ github.ref }}", "cancel-in-progress": true };
      deploy.on = { push: { branches: ["release"] } };
    });
    expect(checkDeployOrder(p)).toEqual([
      ".github/workflows/deploy.yml: does not run on push to main",
      ".github/workflows/deploy.yml: cannot be run by hand (workflow_dispatch)",
      ".github/workflows/deploy.yml: concurrency.group must be one fixed name (one deploy at a time)",
      ".github/workflows/deploy.yml: concurrency.cancel-in-progress must be false (never cancel a deploy)",
    ]);
  });
});

describe("jobs that preview, deploy or smoke-check run on official releases", () => {
  const DEPLOY_JOBS = [
    ".github/workflows/pull-request.yml: job preview",
    ".github/workflows/deploy.yml: job dev",
    ".github/workflows/deploy.yml: job dev-checks",
    ".github/workflows/deploy.yml: job staging",
    ".github/workflows/deploy.yml: job staging-checks",
    ".github/workflows/deploy.yml: job prod",
  ];

  it("holds every such job to Node.js 24, and only those (the test job keeps Node.js 20)", () => {
    const p = broken(({ action }) => {
      action("setup-deploy").runs.steps[0].with["node-version"] = "20";
    });
    expect(checkDeployJobParts(p)).toEqual(
      DEPLOY_JOBS.map((job) => `${job} runs on Node.js 20, expected 24 (actions/setup-node)`),
    );
  });

  it("catches a deploy job that leaves Node.js to whatever the runner has", () => {
    const p = broken(({ action }) => action("setup-deploy").runs.steps.shift());
    expect(checkDeployJobParts(p)).toEqual(
      DEPLOY_JOBS.map(
        (job) => `${job} runs on Node.js (not set up), expected 24 (actions/setup-node)`,
      ),
    );
  });

  it("catches a deploy job set up with the source-built toolchain instead", () => {
    const p = broken(({ deploy }) => {
      stepOf(deploy.jobs.dev, "./.github/actions/setup-deploy").uses =
        "./.github/actions/setup-test";
    });
    expect(checkDeployJobParts(p)).toEqual([
      ".github/workflows/deploy.yml: job dev runs steady-deploy or steady-smoke without installing the Pulumi CLI with pulumi/actions first",
      ".github/workflows/deploy.yml: job dev runs on Node.js 20, expected 24 (actions/setup-node)",
      ".github/workflows/deploy.yml: job dev sets up Go: a deploy job installs official releases, it builds none",
      ".github/workflows/deploy.yml: job dev builds the toolchain (tools/toolchain/build.sh): a deploy job runs the official Pulumi CLI",
    ]);
  });

  it("catches Go or a toolchain build added to a smoke-check or preview job", () => {
    const p = broken(({ pr, deploy }) => {
      deploy.jobs["dev-checks"].steps.splice(1, 0, {
        uses: "actions/setup-go@b7ad1dad31e06c5925ef5d2fc7ad053ef454303e",
      });
      pr.jobs.preview.steps.splice(2, 0, { run: "npm run toolchain" });
    });
    expect(checkDeployJobParts(p)).toEqual([
      ".github/workflows/pull-request.yml: job preview builds the toolchain (tools/toolchain/build.sh): a deploy job runs the official Pulumi CLI",
      ".github/workflows/deploy.yml: job dev-checks sets up Go: a deploy job installs official releases, it builds none",
    ]);
  });

  it("wants the CLI installed before the deploy runs", () => {
    const p = broken(({ deploy }) => {
      const steps = deploy.jobs.prod.steps;
      const setup = steps.findIndex((s: Obj) => s.uses === "./.github/actions/setup-deploy");
      steps.push(...steps.splice(setup, 1));
    });
    expect(checkDeployJobParts(p)).toEqual([
      ".github/workflows/deploy.yml: job prod runs steady-deploy or steady-smoke without installing the Pulumi CLI with pulumi/actions first",
    ]);
  });

  it("wants one pinned CLI release, installed only", () => {
    const p = broken(({ action }) => {
      const install = action("setup-deploy").runs.steps.find((s: Obj) =>
        String(s.uses).startsWith("pulumi/actions@"),
      );
      install.with = { "pulumi-version": "^3.274", command: "up" };
    });
    const problems = checkDeployJobParts(p);
    expect(problems).toHaveLength(2 * DEPLOY_JOBS.length);
    expect(problems.slice(0, 2)).toEqual([
      '.github/workflows/pull-request.yml: job preview: pulumi/actions installs Pulumi CLI "^3.274": pin one release (pulumi-version: X.Y.Z)',
      ".github/workflows/pull-request.yml: job preview: pulumi/actions runs `pulumi up` itself: install only, steady-deploy runs the commands",
    ]);
  });
});

describe("no secret is written into the pipeline", () => {
  it("catches a passphrase written as a literal", () => {
    const p = broken(({ deploy }) => {
      stepOf(deploy.jobs.dev, "./.github/actions/up").with.passphrase = "hunter2";
    });
    expect(checkNoSecretLiterals(p)).toEqual([
      '.github/workflows/deploy.yml: jobs.dev.steps[3].with.passphrase is "hunter2", not a secret reference',
    ]);
  });

  it("catches an env value that is not a secret reference, and a literal in a script", () => {
    const p = broken(({ pr, action }) => {
      const step = pr.jobs.preview.steps.find((s: Obj) => String(s.run).includes("preview"));
      step.env.PULUMI_CONFIG_PASSPHRASE = "${{ vars.PASSPHRASE }}";
      action("smoke").runs.steps[0].run = "export PULUMI_CONFIG_PASSPHRASE=letmein\n" + "true";
    });
    expect(checkNoSecretLiterals(p)).toEqual([
      '.github/workflows/pull-request.yml: jobs.preview.steps[3].env.PULUMI_CONFIG_PASSPHRASE is "${{ vars.PASSPHRASE }}", not a secret reference',
      ".github/actions/smoke/action.yml: runs.steps[0].run assigns PULUMI_CONFIG_PASSPHRASE a literal value",
    ]);
  });

  it("takes inputs as secret references only inside composite actions", () => {
    const p = broken(({ deploy }) => {
      stepOf(deploy.jobs.dev, "./.github/actions/cluster-access").with.kubeconfig =
        "${{ inputs.kubeconfig }}";
    });
    expect(checkNoSecretLiterals(p)).toEqual([
      '.github/workflows/deploy.yml: jobs.dev.steps[2].with.kubeconfig is "${{ inputs.kubeconfig }}", not a secret reference',
    ]);
  });
});

describe("permissions are minimal", () => {
  it("catches a write scope, write-all and a missing block", () => {
    const p = broken(({ pr, deploy }) => {
      pr.permissions = { contents: "read", "pull-requests": "write" };
      deploy.jobs.prod.permissions = "write-all";
      delete deploy.permissions;
    });
    expect(checkPermissions(p)).toEqual([
      ".github/workflows/pull-request.yml: permissions grant pull-requests: write",
      ".github/workflows/deploy.yml: no permissions: the token would get the repository default",
      ".github/workflows/deploy.yml: job prod: permissions: write-all (list each scope instead)",
    ]);
  });
});

describe("every job is pinned, tokenless and bounded", () => {
  it("catches a tag-pinned action, a persisted checkout token and a job without a timeout", () => {
    const p = broken(({ pr, action }) => {
      pr.jobs.test.steps[0] = { uses: "actions/checkout@v4" };
      delete pr.jobs.test["timeout-minutes"];
      action("up").runs.steps[1].uses = "actions/upload-artifact@main";
    });
    expect(checkHygiene(p)).toEqual([
      ".github/workflows/pull-request.yml: actions/checkout@v4 is not pinned to a full commit SHA",
      ".github/workflows/pull-request.yml: actions/checkout@v4 keeps the token in .git/config (persist-credentials: false)",
      ".github/workflows/pull-request.yml: job test has no timeout-minutes",
      ".github/actions/up/action.yml: actions/upload-artifact@main is not pinned to a full commit SHA",
    ]);
  });

  it("wants the release of every pinned action in a comment after its SHA", () => {
    const file = committed.actions.get("./.github/actions/setup-deploy")!;
    const actions = new Map(committed.actions);
    actions.set("./.github/actions/setup-deploy", {
      ...file,
      text: file.text
        .replace(/(pulumi\/actions@[0-9a-f]{40}) # v[\d.]+/, "$1")
        .replace(/(setup-node@[0-9a-f]{40}) # v[\d.]+/, "$1 # latest"),
    });
    const line = (s: string) => file.text.split("\n").findIndex((l) => l.includes(s)) + 1;
    expect(checkHygiene({ ...committed, actions })).toEqual([
      `.github/actions/setup-deploy/action.yml:${line("actions/setup-node@")}: actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 has no "# vX.Y.Z" comment naming the release it pins`,
      `.github/actions/setup-deploy/action.yml:${line("pulumi/actions@")}: pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d has no "# vX.Y.Z" comment naming the release it pins`,
    ]);
  });

  it("wants pull request runs grouped per ref and superseded ones cancelled", () => {
    const p = broken(({ pr }) => (pr.concurrency = { group: "pr", "cancel-in-progress": false }));
    expect(checkHygiene(p)).toEqual([
      ".github/workflows/pull-request.yml: concurrency must be per ref (group with github.ref) and cancel superseded runs",
    ]);
  });
});
