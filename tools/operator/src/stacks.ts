/**
 * The Pulumi Kubernetes Operator's Stack objects (pulumi.com/v1, kind Stack) for every project
 * and environment: plain objects, no Pulumi SDK. `renderOperatorFiles` turns them into the YAML
 * committed under deploy/operator/stacks/.
 */

/** Environments in promotion order. */
export const OPERATOR_ENVIRONMENTS = ["dev", "staging", "prod"] as const;
export type OperatorEnvironment = (typeof OPERATOR_ENVIRONMENTS)[number];

/** A Pulumi project of the repo as the operator runs it. */
export interface OperatorProject {
  /** Directory under stacks/. */
  readonly dir: string;
  /** Project name (Pulumi.yaml `name`), also the prefix of its config keys. */
  readonly name: string;
  /** npm workspace name, built before the program runs. */
  readonly workspace: string;
  /** Projects of the same environment that must have succeeded first. */
  readonly after: readonly string[];
}

/** The projects, in the order they deploy within an environment. */
export const OPERATOR_PROJECTS: readonly OperatorProject[] = [
  { dir: "platform", name: "steady-platform", workspace: "@steady/stack-platform", after: [] },
  {
    dir: "sample-app",
    name: "steady-app",
    workspace: "@steady/stack-sample-app",
    after: ["steady-platform"],
  },
];

/** Where the operator finds the program, and how the Stacks run. */
export interface OperatorSettings {
  /** Git URL of this repository. */
  readonly repo: string;
  /** Branch each environment tracks: promotion is a fast-forward of the next one's branch. */
  readonly branches: Readonly<Record<OperatorEnvironment, string>>;
  /** Namespace of the Stack objects (and their Secrets and ServiceAccounts). */
  readonly namespace: string;
  /** Seconds between polls of the branch. */
  readonly resyncFrequencySeconds: number;
  /** Image of the workspace pod: the Pulumi CLI the operator drives (non-root variant). */
  readonly workspaceImage: string;
  /** Image of the init container that installs and builds the program (Node.js 20). */
  readonly buildImage: string;
}

/** The settings rendered into deploy/operator/stacks/. */
export const OPERATOR_DEFAULTS: OperatorSettings = {
  repo: "https://github.com/steady-dev/steady.git",
  branches: { dev: "main", staging: "deploy/staging", prod: "deploy/prod" },
  namespace: "steady-gitops",
  resyncFrequencySeconds: 300,
  workspaceImage: "pulumi/pulumi:3.248.0-nonroot",
  buildImage: "node:20-bookworm-slim",
};

/** Name of the Stack object of a project in an environment, e.g. `steady-app-staging`. */
export const stackObjectName = (project: string, env: OperatorEnvironment) => `${project}-${env}`;
/** The Secret with an environment's Pulumi backend URL and passphrase. */
export const backendSecretName = (env: OperatorEnvironment) => `steady-${env}-pulumi`;
/** The Secret with the kubeconfig of an environment's cluster. */
export const clusterSecretName = (env: OperatorEnvironment) => `steady-${env}-cluster`;
/** The ServiceAccount the workspace pods of an environment run as. */
export const serviceAccountName = (env: OperatorEnvironment) => `steady-${env}-deployer`;

/** A reference to a key of a Kubernetes Secret in the Stack's namespace. */
export interface SecretRef {
  readonly type: "Secret";
  readonly secret: { readonly name: string; readonly key: string };
}

/** The subset of the operator's Stack this project uses. */
export interface StackObject {
  readonly apiVersion: "pulumi.com/v1";
  readonly kind: "Stack";
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
  };
  readonly spec: {
    readonly stack: string;
    readonly projectRepo: string;
    readonly branch: string;
    readonly repoDir: string;
    readonly shallow: boolean;
    readonly refresh: boolean;
    readonly destroyOnFinalize: false;
    readonly resyncFrequencySeconds: number;
    readonly serviceAccountName: string;
    readonly envRefs: Readonly<Record<string, SecretRef>>;
    readonly secretsRef: Readonly<Record<string, SecretRef>>;
    readonly prerequisites?: readonly { readonly name: string }[];
    readonly workspaceReclaimPolicy: "Retain" | "Delete";
    readonly workspaceTemplate: {
      readonly spec: {
        readonly image: string;
        readonly securityProfile: "restricted";
        readonly resources: {
          readonly requests: Readonly<Record<string, string>>;
          readonly limits: Readonly<Record<string, string>>;
        };
        readonly podTemplate: {
          readonly spec: {
            readonly containers: readonly { readonly name: string }[];
            readonly initContainers: readonly {
              readonly name: string;
              readonly image: string;
              readonly workingDir: string;
              readonly command: readonly string[];
              readonly env: readonly { readonly name: string; readonly value: string }[];
              readonly resources: {
                readonly requests: Readonly<Record<string, string>>;
                readonly limits: Readonly<Record<string, string>>;
              };
              readonly volumeMounts: readonly {
                readonly name: string;
                readonly mountPath: string;
              }[];
            }[];
          };
        };
      };
    };
  };
}

const secretRef = (name: string, key: string): SecretRef => ({
  type: "Secret",
  secret: { name, key },
});

/**
 * The Stacks that must have succeeded before this one: the projects it depends on in its own
 * environment, and, for the first project of an environment, every project of the environment
 * before it (so staging waits for all of dev, and prod for all of staging).
 */
export function prerequisitesOf(project: OperatorProject, env: OperatorEnvironment): string[] {
  const same = project.after.map((p) => stackObjectName(p, env));
  const i = OPERATOR_ENVIRONMENTS.indexOf(env);
  const previous = i > 0 && project.after.length === 0 ? OPERATOR_ENVIRONMENTS[i - 1]! : undefined;
  const before = previous ? OPERATOR_PROJECTS.map((p) => stackObjectName(p.name, previous)) : [];
  return [...same, ...before];
}

/** The Stack object of one project in one environment. */
export function stackObject(
  project: OperatorProject,
  env: OperatorEnvironment,
  settings: OperatorSettings = OPERATOR_DEFAULTS,
): StackObject {
  const prerequisites = prerequisitesOf(project, env);
  // The operator fetches the repository into /share/source (the workspace pod's shared volume)
  // before any container of ours runs; the program's `main` is compiled JavaScript, so it is
  // installed and built there, then the workspace's own `pulumi install` finds it ready.
  const build = [
    "npm ci --ignore-scripts --no-audit --no-fund",
    `npx turbo run build --filter=${project.workspace}... --output-logs=errors-only`,
  ].join(" && ");
  return {
    apiVersion: "pulumi.com/v1",
    kind: "Stack",
    metadata: {
      name: stackObjectName(project.name, env),
      namespace: settings.namespace,
      labels: {
        "app.kubernetes.io/part-of": "steady",
        "app.kubernetes.io/managed-by": "steady-gitops",
        "steady.dev/project": project.name,
        "steady.dev/environment": env,
      },
    },
    spec: {
      stack: `organization/${project.name}/${env}`,
      projectRepo: settings.repo,
      branch: settings.branches[env],
      repoDir: `stacks/${project.dir}`,
      shallow: true,
      refresh: true,
      destroyOnFinalize: false,
      resyncFrequencySeconds: settings.resyncFrequencySeconds,
      serviceAccountName: serviceAccountName(env),
      envRefs: {
        PULUMI_BACKEND_URL: secretRef(backendSecretName(env), "backend-url"),
        PULUMI_CONFIG_PASSPHRASE: secretRef(backendSecretName(env), "passphrase"),
      },
      secretsRef: {
        [`${project.name}:kubeconfig`]: secretRef(clusterSecretName(env), "kubeconfig"),
      },
      ...(prerequisites.length ? { prerequisites: prerequisites.map((name) => ({ name })) } : {}),
      workspaceReclaimPolicy: "Retain",
      workspaceTemplate: {
        spec: {
          image: settings.workspaceImage,
          securityProfile: "restricted",
          resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "2Gi" } },
          podTemplate: {
            spec: {
              // A pod template must list its containers; this names the workspace's own "pulumi"
              // container (merged by name), changing nothing in it.
              containers: [{ name: "pulumi" }],
              initContainers: [
                {
                  name: "build",
                  image: settings.buildImage,
                  workingDir: "/share/source",
                  command: ["sh", "-c", build],
                  env: [
                    { name: "HOME", value: "/share/home" },
                    { name: "npm_config_cache", value: "/share/home/.npm" },
                    { name: "TURBO_TELEMETRY_DISABLED", value: "1" },
                  ],
                  resources: {
                    requests: { cpu: "500m", memory: "1Gi" },
                    limits: { memory: "2Gi" },
                  },
                  volumeMounts: [{ name: "share", mountPath: "/share" }],
                },
              ],
            },
          },
        },
      },
    },
  };
}

/** Every Stack object, environment by environment, each environment's projects in order. */
export function stackObjects(settings: OperatorSettings = OPERATOR_DEFAULTS): StackObject[] {
  return OPERATOR_ENVIRONMENTS.flatMap((env) =>
    OPERATOR_PROJECTS.map((project) => stackObject(project, env, settings)),
  );
}
