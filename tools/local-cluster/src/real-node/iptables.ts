import { run, tryRun } from "../host/host";

/**
 * Reading and removing the iptables chains the real node's kube-proxy, kubelet and CNI plugins
 * create. Everything goes through iptables-save (to read) and `iptables-restore --noflush` (to
 * change): the save format is exactly what restore accepts, so rules are never re-tokenised.
 */

/** Chains of these prefixes belong to the node (kube-proxy and kubelet: KUBE-, CNI plugins: CNI-). */
export const NODE_CHAIN_PREFIXES = ["KUBE-", "CNI-"] as const;

/** One table of iptables-save output. */
export interface SavedTable {
  readonly name: string;
  /** In order; built-in chains have a policy (ACCEPT, DROP), user chains "-". */
  readonly chains: readonly { readonly name: string; readonly builtin: boolean }[];
  /** The "-A <chain> ..." lines, verbatim. */
  readonly rules: readonly string[];
}

/** Parses iptables-save / ip6tables-save output. */
export function parseIptablesSave(text: string): SavedTable[] {
  const tables: { name: string; chains: { name: string; builtin: boolean }[]; rules: string[] }[] =
    [];
  let current: (typeof tables)[number] | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    if (line.startsWith("*")) {
      current = { name: line.slice(1), chains: [], rules: [] };
      tables.push(current);
    } else if (!current || line === "" || line.startsWith("#")) {
      continue;
    } else if (line.startsWith(":")) {
      const [name, policy] = line.slice(1).split(" ");
      if (name) current.chains.push({ name, builtin: policy !== "-" });
    } else if (line.startsWith("-A ")) {
      current.rules.push(line);
    } else if (line === "COMMIT") {
      current = undefined;
    }
  }
  return tables;
}

/** The chain a rule line ("-A <chain> ...") belongs to. */
export const ruleChain = (rule: string) => rule.split(" ")[1] ?? "";

/** The chain a rule jumps or goes to, if any (iptables-save writes -j / -g). */
export function ruleTarget(rule: string): string | undefined {
  const m = / -[jg] (\S+)/.exec(rule);
  return m?.[1];
}

/** Whether a chain name has one of the node's prefixes. */
export const isNodeChain = (chain: string) => NODE_CHAIN_PREFIXES.some((p) => chain.startsWith(p));

/** "<table>/<chain>" */
export type ChainId = string;

/**
 * An `iptables-restore --noflush` script that removes the chains `doomed` selects from every
 * table: first the rules elsewhere that jump to them, then their own rules, then the chains.
 * Undefined when there is nothing to remove.
 */
export function removalScript(
  tables: readonly SavedTable[],
  doomed: (table: string, chain: string) => boolean,
): string | undefined {
  const out: string[] = [];
  for (const t of tables) {
    const chains = t.chains.filter((c) => !c.builtin && doomed(t.name, c.name)).map((c) => c.name);
    if (chains.length === 0) continue;
    const set = new Set(chains);
    out.push(`*${t.name}`);
    for (const rule of t.rules) {
      const target = ruleTarget(rule);
      if (target && set.has(target) && !set.has(ruleChain(rule))) {
        out.push(`-D ${rule.slice(3)}`);
      }
    }
    for (const c of chains) out.push(`-F ${c}`);
    for (const c of chains) out.push(`-X ${c}`);
    out.push("COMMIT");
  }
  return out.length ? out.join("\n") + "\n" : undefined;
}

/** The save and restore commands of one address family. */
export interface IptablesFamily {
  /** "ipv4" or "ipv6": a prefix of recorded chain ids. */
  readonly family: "ipv4" | "ipv6";
  readonly save: string;
  readonly restore: string;
}

/** Node chains ("<family>/<table>/<chain>") present now. */
export function listNodeChains(families: readonly IptablesFamily[]): string[] {
  const out: string[] = [];
  for (const f of families) {
    for (const t of parseIptablesSave(run(f.save, []))) {
      for (const c of t.chains) {
        if (!c.builtin && isNodeChain(c.name)) out.push(`${f.family}/${t.name}/${c.name}`);
      }
    }
  }
  return out;
}

/**
 * Removes every node chain (KUBE-*, CNI-*) of every table, except those in `keep` (chains that
 * existed before `up`). Returns the ids removed; throws with iptables-restore's message.
 */
export function removeNodeChains(
  families: readonly IptablesFamily[],
  keep: ReadonlySet<string> = new Set(),
): string[] {
  const removed: string[] = [];
  for (const f of families) {
    const tables = parseIptablesSave(run(f.save, []));
    const doomed = (table: string, chain: string) =>
      isNodeChain(chain) && !keep.has(`${f.family}/${table}/${chain}`);
    const script = removalScript(tables, doomed);
    if (!script) continue;
    run(f.restore, ["-w", "5", "--noflush"], { input: script });
    for (const t of tables) {
      for (const c of t.chains)
        if (!c.builtin && doomed(t.name, c.name)) removed.push(`${f.family}/${t.name}/${c.name}`);
    }
  }
  return removed;
}

/** nftables tables ("ip nat", "ip6 filter", ...), or [] without nft. */
export function listNftTables(nft: string | undefined): string[] {
  if (!nft) return [];
  const r = tryRun(nft, ["list", "tables"]);
  if (r.status !== 0) return [];
  return r.stdout
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith("table "))
    .map((l) => l.slice("table ".length));
}

/**
 * Deletes the iptables-nft tables `up` caused to exist (those not in `before`) when iptables
 * shows them empty: built-in chains only, no rules. Tables of other families, or with anything
 * in them, are left alone. Returns the tables deleted.
 */
export function removeEmptyNftTables(
  nft: string | undefined,
  families: readonly IptablesFamily[],
  before: readonly string[],
): string[] {
  if (!nft) return [];
  const removed: string[] = [];
  const existed = new Set(before);
  for (const table of listNftTables(nft)) {
    if (existed.has(table)) continue;
    const [fam, name] = table.split(" ");
    const f = families.find((x) => (x.family === "ipv4" ? "ip" : "ip6") === fam);
    if (!f || !name) continue;
    const saved = parseIptablesSave(run(f.save, ["-t", name])).find((t) => t.name === name);
    const empty =
      saved !== undefined && saved.rules.length === 0 && saved.chains.every((c) => c.builtin);
    if (empty && tryRun(nft, ["delete", "table", fam!, name]).status === 0) removed.push(table);
  }
  return removed;
}
