import * as pulumi from "@pulumi/pulumi";
import { Problems, checkIntRange, isDns1123Label, isPortName, parseQuantity } from "@steady/core";
import {
  KUBERNETES_GRACE_PERIOD_SECONDS,
  POD_DEFAULTS,
  hasTmpVolume,
  preStopSleepOf,
  protocolOf,
} from "./defaults";
import { effectiveResources } from "./resources";
import type { ContainerArgs, PodSpecArgs, ProbeArgs, VolumeArgs } from "./types";

function checkProbe(
  problems: Problems,
  path: string,
  probe: ProbeArgs | false | undefined,
  c: ContainerArgs,
  kind: string,
): void {
  if (probe === undefined || probe === false) return;
  const handlers = [probe.httpGet, probe.tcpSocket, probe.exec].filter(
    (h) => h !== undefined,
  ).length;
  problems.check(handlers <= 1, path, "set at most one of httpGet, tcpSocket, exec");
  if (probe.httpGet) {
    problems.check(
      probe.httpGet.path.startsWith("/"),
      `${path}.httpGet.path`,
      `${JSON.stringify(probe.httpGet.path)} must start with "/"`,
    );
  }
  if (probe.exec) {
    problems.check(probe.exec.command.length > 0, `${path}.exec.command`, "must name a command");
  }
  const port = probe.httpGet?.port ?? probe.tcpSocket?.port;
  const portPath = `${path}.${probe.tcpSocket ? "tcpSocket" : "httpGet"}.port`;
  const needsPort = handlers === 0 || probe.httpGet !== undefined || probe.tcpSocket !== undefined;
  if (needsPort) {
    const ports = c.ports ?? [];
    if (port === undefined) {
      problems.check(
        ports.length > 0,
        `${path}`,
        `the container has no port to probe: give the probe a port or an exec command, or set ${kind}: false`,
      );
    } else if (typeof port === "string") {
      problems.check(
        ports.some((p) => p.name === port),
        portPath,
        `port ${JSON.stringify(port)} is not one of the container's ports (${ports.map((p) => p.name).join(", ") || "none"})`,
      );
    } else {
      checkIntRange(problems, portPath, port, 1, 65535);
    }
  }
  checkIntRange(problems, `${path}.initialDelaySeconds`, probe.initialDelaySeconds, 0, 3600);
  checkIntRange(problems, `${path}.periodSeconds`, probe.periodSeconds, 1, 3600);
  checkIntRange(problems, `${path}.timeoutSeconds`, probe.timeoutSeconds, 1, 3600);
  checkIntRange(problems, `${path}.failureThreshold`, probe.failureThreshold, 1, 10000);
  if (kind === "readiness") {
    checkIntRange(problems, `${path}.successThreshold`, probe.successThreshold, 1, 100);
  } else if (probe.successThreshold !== undefined) {
    problems.check(
      probe.successThreshold === 1,
      `${path}.successThreshold`,
      `must be 1 for a ${kind} probe (Kubernetes rejects anything else)`,
    );
  }
}

/** Returns the quantity's value, undefined when not given, or null when invalid (a problem is recorded). */
function checkQuantity(
  problems: Problems,
  path: string,
  q: string | undefined,
): number | undefined | null {
  if (q === undefined) return undefined;
  const v = parseQuantity(q);
  const ok = problems.check(
    v !== undefined && v > 0,
    path,
    `${JSON.stringify(q)} is not a positive Kubernetes quantity (e.g. "250m", "1", "128Mi")`,
  );
  return ok ? v : null;
}

/** The container's name and image. */
function checkNameAndImage(problems: Problems, path: string, c: ContainerArgs): void {
  problems.check(
    isDns1123Label(c.name ?? ""),
    `${path}.name`,
    `${JSON.stringify(c.name)} is not valid: expected an RFC 1123 label (lowercase alphanumerics and "-", at most 63)`,
  );
  if (typeof c.image === "string") {
    if (
      problems.check(
        c.image.trim().length > 0,
        `${path}.image`,
        "must not be empty: name an image such as registry.example.com/app:1.2.3",
      )
    ) {
      problems.check(
        !/\s/.test(c.image),
        `${path}.image`,
        `${JSON.stringify(c.image)} must not contain white space`,
      );
    }
  } else {
    problems.check(c.image !== undefined && c.image !== null, `${path}.image`, "is required");
  }
}

/** Port names and numbers, each used once. */
function checkPorts(problems: Problems, path: string, c: ContainerArgs): void {
  const seenPortNames = new Set<string>();
  const seenPorts = new Set<string>();
  (c.ports ?? []).forEach((p, i) => {
    const pp = `${path}.ports[${i}]`;
    problems.check(
      isPortName(p.name ?? ""),
      `${pp}.name`,
      `${JSON.stringify(p.name)} is not valid: expected at most 15 lowercase alphanumerics or "-", with at least one letter`,
    );
    checkIntRange(problems, `${pp}.containerPort`, p.containerPort, 1, 65535);
    problems.check(
      !seenPortNames.has(p.name),
      `${pp}.name`,
      `port name ${JSON.stringify(p.name)} is used twice`,
    );
    const key = `${p.containerPort}/${protocolOf(p)}`;
    problems.check(!seenPorts.has(key), `${pp}.containerPort`, `port ${key} is declared twice`);
    seenPortNames.add(p.name);
    seenPorts.add(key);
  });
}

/** Environment variable names, each set in one place. */
function checkEnv(problems: Problems, path: string, c: ContainerArgs): void {
  for (const k of Object.keys(c.envFromFields ?? {})) {
    problems.check(
      !(k in (c.env ?? {})),
      `${path}.envFromFields`,
      `variable ${JSON.stringify(k)} is also set in env: set it in one place`,
    );
  }
  for (const k of [...Object.keys(c.env ?? {}), ...Object.keys(c.envFromFields ?? {})]) {
    problems.check(
      /^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(k),
      `${path}.env`,
      `variable name ${JSON.stringify(k)} is not valid: expected letters, digits, "_", "-" or ".", not starting with a digit`,
    );
  }
}

/** Requests and limits: positive quantities, and no limit below its request once defaulted. */
function checkResources(problems: Problems, path: string, c: ContainerArgs): void {
  const given = c.resources ?? {};
  const ok = [
    checkQuantity(problems, `${path}.resources.requests.cpu`, given.requests?.cpu),
    checkQuantity(problems, `${path}.resources.requests.memory`, given.requests?.memory),
    checkQuantity(problems, `${path}.resources.limits.cpu`, given.limits?.cpu),
    checkQuantity(problems, `${path}.resources.limits.memory`, given.limits?.memory),
  ].every((v) => v !== null);
  if (!ok) return;
  // Check what will be applied (defaults filled in), only where the caller set both sides.
  const eff = effectiveResources(c.resources);
  for (const kind of ["cpu", "memory"] as const) {
    const req = eff.requests[kind];
    const lim = eff.limits[kind];
    if (req === undefined || lim === undefined) continue;
    problems.check(
      parseQuantity(lim)! >= parseQuantity(req)!,
      `${path}.resources.limits.${kind}`,
      `${lim} is below the request ${req}: a limit must be at least the request`,
    );
  }
}

/** Mount paths used once (the /tmp volume's included). */
function checkMountPaths(
  problems: Problems,
  path: string,
  c: ContainerArgs,
  tmpMounted: boolean,
): void {
  const mountPaths = new Set<string>();
  const allMounts = [
    ...(c.volumeMounts ?? []).map((m) => m.mountPath),
    ...(tmpMounted ? [POD_DEFAULTS.tmpMountPath] : []),
  ];
  allMounts.forEach((m, i) => {
    problems.check(
      !mountPaths.has(m),
      `${path}.volumeMounts`,
      m === POD_DEFAULTS.tmpMountPath && i === allMounts.length - 1 && tmpMounted
        ? `${m} is already the writable /tmp volume's mount path: mount elsewhere or set tmpVolume: false`
        : `mount path ${m} is used twice`,
    );
    mountPaths.add(m);
  });
}

/** Each mount names a volume of the pod, at an absolute path. */
function checkVolumeMounts(
  problems: Problems,
  path: string,
  c: ContainerArgs,
  volumes: ReadonlySet<string>,
): void {
  (c.volumeMounts ?? []).forEach((m, i) => {
    const mp = `${path}.volumeMounts[${i}]`;
    problems.check(
      volumes.has(m.volume),
      `${mp}.volume`,
      `${JSON.stringify(m.volume)} is not a volume of this pod (${[...volumes].join(", ") || "none declared"})`,
    );
    problems.check(
      m.mountPath.startsWith("/"),
      `${mp}.mountPath`,
      `${JSON.stringify(m.mountPath)} must be an absolute path`,
    );
  });
}

function checkContainer(
  problems: Problems,
  path: string,
  c: ContainerArgs,
  volumes: ReadonlySet<string>,
  tmpMounted: boolean,
): void {
  checkNameAndImage(problems, path, c);
  checkPorts(problems, path, c);
  checkEnv(problems, path, c);
  checkResources(problems, path, c);
  checkMountPaths(problems, path, c, tmpMounted);
  checkProbe(problems, `${path}.probes.readiness`, c.probes?.readiness, c, "readiness");
  checkProbe(problems, `${path}.probes.liveness`, c.probes?.liveness, c, "liveness");
  checkProbe(problems, `${path}.probes.startup`, c.probes?.startup, c, "startup");
  checkVolumeMounts(problems, path, c, volumes);
  checkIntRange(problems, `${path}.preStopSleepSeconds`, c.preStopSleepSeconds, 0, 3600);
  checkIntRange(problems, `${path}.runAsUser`, c.runAsUser, 1, 2147483647);
}

function checkVolume(problems: Problems, path: string, v: VolumeArgs): void {
  problems.check(
    isDns1123Label(v.name ?? ""),
    `${path}.name`,
    `${JSON.stringify(v.name)} is not valid: expected an RFC 1123 label`,
  );
  const kinds = [v.emptyDir, v.configMap, v.secret].filter((k) => k !== undefined).length;
  problems.check(
    kinds === 1,
    path,
    `set exactly one of emptyDir, configMap, secret (found ${kinds})`,
  );
  if (v.emptyDir?.sizeLimit !== undefined)
    checkQuantity(problems, `${path}.emptyDir.sizeLimit`, v.emptyDir.sizeLimit);
}

const TOLERATION_OPERATORS = ["Equal", "Exists"];
const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

/**
 * Checks a toleration whose fields are plain values (fields that are Outputs are left to the API
 * server): operator and effect names, a key for `Equal`, no value for `Exists`, and
 * `tolerationSeconds` only with `NoExecute`.
 */
function checkToleration(problems: Problems, path: string, t: unknown): void {
  if (typeof t !== "object" || t === null || pulumi.Output.isInstance(t)) return;
  const tol = t as Record<string, unknown>;
  const operator = typeof tol.operator === "string" ? tol.operator : "Equal";
  if (tol.operator !== undefined && typeof tol.operator === "string") {
    problems.check(
      TOLERATION_OPERATORS.includes(tol.operator),
      `${path}.operator`,
      `must be one of ${TOLERATION_OPERATORS.join(", ")}, got ${JSON.stringify(tol.operator)}`,
    );
  }
  if (tol.effect !== undefined && typeof tol.effect === "string") {
    problems.check(
      TAINT_EFFECTS.includes(tol.effect),
      `${path}.effect`,
      `must be one of ${TAINT_EFFECTS.join(", ")} (or unset for every effect), got ${JSON.stringify(tol.effect)}`,
    );
  }
  if (operator === "Equal") {
    problems.check(
      (typeof tol.key === "string" && tol.key.length > 0) || pulumi.Output.isInstance(tol.key),
      `${path}.key`,
      'must be set with operator "Equal" (use operator "Exists" without a key to tolerate every taint)',
    );
  }
  if (operator === "Exists" && typeof tol.value === "string") {
    problems.check(tol.value === "", `${path}.value`, 'must be empty with operator "Exists"');
  }
  if (tol.tolerationSeconds !== undefined && typeof tol.effect === "string") {
    problems.check(
      tol.effect === "NoExecute",
      `${path}.tolerationSeconds`,
      'only applies to effect "NoExecute"',
    );
  }
}

/**
 * Checks pod spec args and returns every problem found (empty when valid). Pure: no resource is
 * touched. Paths are relative to the args (`containers[0].ports[1].name`).
 */
export function validatePodSpecArgs(args: PodSpecArgs): Problems {
  const problems = new Problems();
  const containers = args.containers ?? [];
  problems.check(containers.length > 0, "containers", "must list at least one container");
  const volumes = new Set<string>();
  (args.volumes ?? []).forEach((v, i) => {
    checkVolume(problems, `volumes[${i}]`, v);
    problems.check(
      !volumes.has(v.name),
      `volumes[${i}].name`,
      `volume name ${JSON.stringify(v.name)} is used twice`,
    );
    volumes.add(v.name);
  });
  const tmpMounted = hasTmpVolume(args);
  if (tmpMounted) {
    problems.check(
      !volumes.has(POD_DEFAULTS.tmpVolumeName),
      "volumes",
      'the name "tmp" is taken by the /tmp volume; rename the volume or set tmpVolume: false',
    );
    volumes.add(POD_DEFAULTS.tmpVolumeName);
  }
  const names = new Set<string>();
  containers.forEach((c, i) => {
    checkContainer(problems, `containers[${i}]`, c, volumes, tmpMounted);
    problems.check(
      !names.has(c.name),
      `containers[${i}].name`,
      `container name ${JSON.stringify(c.name)} is used twice`,
    );
    names.add(c.name);
  });
  checkIntRange(problems, "runAsUser", args.runAsUser, 1, 2147483647);
  checkIntRange(problems, "runAsGroup", args.runAsGroup, 1, 2147483647);
  checkIntRange(problems, "fsGroup", args.fsGroup, 1, 2147483647);
  checkIntRange(
    problems,
    "terminationGracePeriodSeconds",
    args.terminationGracePeriodSeconds,
    0,
    86400,
  );
  (args.tolerations ?? []).forEach((t, i) => checkToleration(problems, `tolerations[${i}]`, t));
  const grace = args.terminationGracePeriodSeconds ?? KUBERNETES_GRACE_PERIOD_SECONDS;
  containers.forEach((c, i) => {
    const sleep = preStopSleepOf(c);
    if (sleep > 0) {
      problems.check(
        grace > sleep,
        "terminationGracePeriodSeconds",
        `${grace} s must be longer than containers[${i}] preStop sleep of ${sleep} s, or the container is killed before it can drain`,
      );
    }
  });
  return problems;
}
