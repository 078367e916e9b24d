import type { PodScrape } from "./canary-analysis";
import { type KubeClient, type KubeObject, withQuery } from "./kube-client";
import { parsePromText } from "./prom-text";

/**
 * Label that marks canary pods, with value {@link CANARY_TRACK_VALUE}; stable pods lack it. The
 * same key as @steady/deployment's TRACK_LABEL: this package works on any project and does not
 * depend on the component library, so it takes the key as an option and defaults to that one.
 */
export const DEFAULT_TRACK_LABEL = "steady.dev/track";
/** Value of the track label on canary pods. */
export const CANARY_TRACK_VALUE = "canary";

/** Where the app's pods and their metrics are. */
export interface CanaryScrapeTarget {
  readonly namespace: string;
  /** The app's selector labels (both tracks), e.g. the AppDeployment's `selector` output. */
  readonly selector: Readonly<Record<string, string>>;
  /** The container port that serves /metrics. */
  readonly port: number;
  /** Path of the metrics endpoint. @default "/metrics" */
  readonly path?: string;
  /** @default {@link DEFAULT_TRACK_LABEL} */
  readonly trackLabel?: string;
}

/** Pods of both tracks, scraped at one moment. */
export interface TrackPodScrapes {
  readonly canary: PodScrape[];
  readonly stable: PodScrape[];
}

interface Pod extends KubeObject {
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

/** `a=x,b=y,extra`: a label selector from the app's labels and one more requirement. */
function labelSelector(selector: Readonly<Record<string, string>>, extra: string): string {
  return [...Object.entries(selector).map(([k, v]) => `${k}=${v}`), extra].join(",");
}

/** Ready, running pods not being deleted: the ones the Service sends traffic to. */
function isServing(pod: Pod): boolean {
  return (
    pod.metadata?.deletionTimestamp === undefined &&
    pod.status?.phase === "Running" &&
    (pod.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")
  );
}

/** Names of the serving pods of one track, sorted. */
async function servingPods(
  client: KubeClient,
  namespace: string,
  selector: string,
): Promise<string[]> {
  const path = withQuery(`/api/v1/namespaces/${namespace}/pods`, { labelSelector: selector });
  const list = await client.list<Pod>(path);
  return list.items
    .filter(isServing)
    .map((p) => p.metadata?.name ?? "")
    .filter((n) => n !== "")
    .sort();
}

/**
 * One pod's metrics, through the API server's pod proxy
 * (`/api/v1/namespaces/NS/pods/NAME:PORT/proxy/metrics`), so no port-forward and no route from
 * this machine to the pod network is needed, only the `pods/proxy` permission.
 * @throws Error naming the pod when the scrape or its parsing fails.
 */
export async function scrapePod(
  client: KubeClient,
  namespace: string,
  pod: string,
  port: number,
  path = "/metrics",
): Promise<PodScrape> {
  const url = `/api/v1/namespaces/${namespace}/pods/${pod}:${port}/proxy${path}`;
  try {
    const text = await client.get<unknown>(url);
    if (typeof text !== "string") throw new Error("the answer is not Prometheus text");
    return { pod, samples: parsePromText(text) };
  } catch (error) {
    throw new Error(`cannot scrape pod ${namespace}/${pod}: ${(error as Error).message}`);
  }
}

/** Scrapes every serving pod of both tracks (canary: track label = canary; stable: the rest). */
export async function scrapeTracks(
  client: KubeClient,
  target: CanaryScrapeTarget,
): Promise<TrackPodScrapes> {
  const track = target.trackLabel ?? DEFAULT_TRACK_LABEL;
  const [canaryPods, stablePods] = await Promise.all([
    servingPods(
      client,
      target.namespace,
      labelSelector(target.selector, `${track}=${CANARY_TRACK_VALUE}`),
    ),
    servingPods(
      client,
      target.namespace,
      labelSelector(target.selector, `${track}!=${CANARY_TRACK_VALUE}`),
    ),
  ]);
  const scrape = (pod: string) =>
    scrapePod(client, target.namespace, pod, target.port, target.path);
  return {
    canary: await Promise.all(canaryPods.map(scrape)),
    stable: await Promise.all(stablePods.map(scrape)),
  };
}
