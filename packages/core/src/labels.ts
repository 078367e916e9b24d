import { Problems } from "./problems";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/**
 * Whether `s` is an RFC 1123 label (namespaces, container names, port names' superset).
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-label-names
 */
export function isDns1123Label(s: string): boolean {
  return s.length >= 1 && s.length <= 63 && DNS1123_LABEL.test(s);
}

/**
 * Whether `s` is an RFC 1123 subdomain (most object names, label key prefixes).
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-subdomain-names
 */
export function isDns1123Subdomain(s: string): boolean {
  return s.length >= 1 && s.length <= 253 && DNS1123_SUBDOMAIN.test(s);
}

/**
 * Whether `s` is a valid label value: at most 63 characters, alphanumerics with `-`, `_`, `.`
 * inside, possibly empty.
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set
 */
export function isLabelValue(s: string): boolean {
  return s.length <= 63 && LABEL_VALUE.test(s);
}

/** Whether `s` is a valid label or annotation key: an optional DNS subdomain prefix and `/`, then a name. */
export function isLabelKey(s: string): boolean {
  const slash = s.indexOf("/");
  const prefix = slash >= 0 ? s.slice(0, slash) : undefined;
  const name = slash >= 0 ? s.slice(slash + 1) : s;
  if (prefix !== undefined && !isDns1123Subdomain(prefix)) return false;
  return name.length <= 63 && LABEL_NAME.test(name);
}

/** Whether `s` is a valid IANA_SVC_NAME (a named container or Service port). */
export function isPortName(s: string): boolean {
  return s.length <= 15 && DNS1123_LABEL.test(s) && /[a-z]/.test(s) && !s.includes("--");
}

/** Records a problem for every invalid key or value in `labels`, under `path`. */
export function checkLabels(
  problems: Problems,
  path: string,
  labels: Readonly<Record<string, string>> | undefined,
): void {
  for (const [k, v] of Object.entries(labels ?? {})) {
    problems.check(
      isLabelKey(k),
      `${path}`,
      `label key ${JSON.stringify(k)} is not valid: expected an optional DNS subdomain prefix and "/", then at most 63 alphanumerics, "-", "_" or "."`,
    );
    problems.check(
      typeof v === "string" && isLabelValue(v),
      `${path}.${k}`,
      `label value ${JSON.stringify(v)} is not valid: expected at most 63 characters, alphanumerics with "-", "_" or "." inside`,
    );
  }
}
