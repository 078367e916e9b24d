import type { KubeClient, KubeObject } from "@steady/deploy";

/** The label that tells the apps' pods apart (the component's selector label). */
export const APP_LABEL = "app.kubernetes.io/instance";

interface Pod extends KubeObject {
  status?: { conditions?: { type?: string; status?: string }[] };
}

/** A pod counts as serving when it is Ready and not terminating (it has left the endpoints then). */
export function podServes(p: Pod): boolean {
  if (p.metadata?.deletionTimestamp) return false;
  return (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

/** The fewest serving pods any app had while watched, and which app. */
export interface ReadyFloorResult {
  readonly fewest: number;
  readonly app: string;
  /** Pod events seen while watching. */
  readonly events: number;
}

/**
 * Watches every pod of a namespace with one watch and keeps, per app ({@link APP_LABEL}), the
 * fewest pods that served at once: the zero-downtime check of a new-version rollout (never below
 * the desired count), for pulumi and kubectl alike. Start it before the rollout's apply, stop it
 * once the rollout is complete.
 */
export class ReadyFloor {
  private readonly pods = new Map<string, { app: string; serves: boolean }>();
  private readonly fewestByApp = new Map<string, number>();
  private readonly abort = new AbortController();
  private watching: Promise<unknown> | undefined;
  private events = 0;
  private failure: Error | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
  ) {}

  /** Lists the pods (the starting counts) and starts the watch from the list's version. */
  async start(): Promise<void> {
    const path = `/api/v1/namespaces/${this.namespace}/pods`;
    const list = await this.client.list<Pod>(path);
    // The starting counts: every listed pod first, then one count per app.
    for (const p of list.items) this.track("ADDED", p);
    for (const app of new Set([...this.pods.values()].map((x) => x.app))) this.count(app);
    this.watching = this.client
      .watch<Pod>(path, (e) => this.apply(e.type, e.object as Pod), {
        signal: this.abort.signal,
        ...(list.metadata?.resourceVersion
          ? { resourceVersion: list.metadata.resourceVersion }
          : {}),
      })
      .catch((e: Error) => {
        this.failure = e;
      });
  }

  /** Records one pod event; returns the pod's app, or undefined for a pod of no app. */
  private track(type: string, p: Pod): string | undefined {
    const name = p.metadata?.name;
    const app = p.metadata?.labels?.[APP_LABEL];
    if (!name || !app) return undefined;
    this.events++;
    if (type === "DELETED") this.pods.delete(name);
    else this.pods.set(name, { app, serves: podServes(p) });
    return app;
  }

  /** Counts the app's serving pods now and keeps the fewest. */
  private count(app: string): void {
    let serving = 0;
    for (const x of this.pods.values()) if (x.app === app && x.serves) serving++;
    const was = this.fewestByApp.get(app);
    if (was === undefined || serving < was) this.fewestByApp.set(app, serving);
  }

  private apply(type: string, p: Pod): void {
    const app = this.track(type, p);
    if (app !== undefined) this.count(app);
  }

  /** Stops the watch; throws when it failed (the floor would not be proven). */
  async stop(): Promise<ReadyFloorResult> {
    this.abort.abort();
    await this.watching;
    if (this.failure)
      throw new Error(`the pod watch of ${this.namespace} failed: ${this.failure.message}`);
    let fewest = Infinity;
    let app = "";
    for (const [a, n] of this.fewestByApp) if (n < fewest) [fewest, app] = [n, a];
    return { fewest: fewest === Infinity ? 0 : fewest, app, events: this.events };
  }
}

/**
 * Runs `rollout` while a {@link ReadyFloor} watches `namespace`; throws, naming the app, when
 * any app served fewer than `desired` pods at some moment. Returns the rollout's result and the
 * fewest serving pods seen.
 */
export async function withReadyFloor<T>(
  client: KubeClient,
  namespace: string,
  desired: number,
  what: string,
  rollout: () => Promise<T>,
): Promise<{ result: T; fewestReady: number }> {
  const floor = new ReadyFloor(client, namespace);
  await floor.start();
  let result: T;
  try {
    result = await rollout();
  } catch (e) {
    // Stopped also when the rollout fails, so no watch is left running.
    await floor.stop().catch(() => undefined);
    throw e;
  }
  const seen = await floor.stop();
  if (seen.fewest < desired)
    throw new Error(
      `${what}: app ${seen.app} had only ${seen.fewest} ready pod(s) during the new-version rollout, below the desired ${desired}`,
    );
  return { result, fewestReady: seen.fewest };
}
