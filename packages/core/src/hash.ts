import { createHash } from "node:crypto";

/** Serialises `value` as JSON with object keys sorted, so equal content gives equal text. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(",")}}`;
}

/**
 * A short content hash (hex SHA-256 prefix) of `value`, independent of key order.
 * Used to name config by content so a change becomes a rollout.
 */
export function contentHash(value: unknown, length = 10): string {
  return createHash("sha256").update(stableStringify(value)).digest("hex").slice(0, length);
}
