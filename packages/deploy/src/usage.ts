/** `text` broken into lines of at most `width` characters, each starting with `indent`. */
export function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, indent + line].join("\n");
}

/** What the guarded commands do, the signals and the exit codes: shared with the repo's tool. */
export const DEPLOY_HELP = (
  guardedKinds: string,
) => `  preview  preview the stack and fail, before anything is applied, if an object of a guarded
           kind would be replaced or deleted; saves the update plan. Guarded kinds:
${wrap(guardedKinds + ".", 90, " ".repeat(11))}
  up       the guarded preview, then apply exactly that plan; writes a rollout report (JSON and
           an SVG timeline) for every Deployment the stack already had. Fails at once, naming
           the holder, when another update holds the stack's lock.
  recover  after a run was killed (SIGKILL, a lost machine): release the stack's lock if its
           holder is provably gone (same host, pid no longer a pulumi process), then refresh the
           state from the cluster so the operations it left pending are resolved. Never touches
           a lock whose holder runs, or one taken on another host.`;

export const SIGNALS_AND_EXIT_CODES = `signals:  SIGINT or SIGTERM cancels the running Pulumi operation gracefully (the stack's lock is
          released) and exits 130 or 143. A second signal, or 30 s without the cancel finishing
          (STEADY_CANCEL_TIMEOUT_SECONDS), ends it at once and prints the command that recovers.

exit codes: 0 done; 1 failed (smoke: a check failed); 2 bad usage, config or CLI (nothing
          applied); 3 the guard refused a replacement (nothing applied); 4 the up failed and was
          rolled back; 5 the stack is locked (by a running update, or by a dead one: run
          recover); 6 steady-deploy canary aborted by its analysis; 130/143 interrupted.`;

/** steady-deploy's usage text. */
export const USAGE = (guardedKinds: string) => `usage:
  steady-deploy preview [--cwd DIR] [--stack ORG/PROJECT/STACK] [--toolchain [DIR]] [--allow URN]...
                        [--config KEY=VALUE]... [--policy-pack DIR [--policy-pack-config FILE]]...
                        [--kubeconfig FILE] [--summary-md FILE] [--create-stack] [--parallel N]
  steady-deploy up      (the same) [--rollback-on-failure]
  steady-deploy recover [--cwd DIR] [--stack ...] [--toolchain [DIR]] [--kubeconfig FILE]
  steady-deploy smoke   [--cwd DIR] [--stack ...] [--toolchain [DIR]] [--kubeconfig FILE] [--http]
                        [--summary-md FILE]
  steady-deploy canary  --canary-image IMAGE --canary-version VERSION [--failure-ratio R]
                        [--window SECONDS] [--analysis FILE.json] [--port PORT] (and up's options)

${DEPLOY_HELP(guardedKinds)}
  smoke    the post-deploy checks of a stack that exports namespace, deploymentName,
           serviceName (and version): rollout complete and available at that version, a ready
           endpoint per replica, with --http /readyz and /version through the API server's
           service proxy, and no drift (preview --refresh --expect-no-changes).
  canary   move IMAGE in next to the stable pods (1 pod, 25 %, 50 %, promote), each step a guarded
           up of the stack's canary settings (with up's pre-flight, tuning and rollout reports),
           with the canary's error rate and p99 compared to the stable pods' (scraped through
           the API server's pod proxy) between steps; a failed check takes the canary to 0 pods
           through one more guarded up and exits 6. Report and SVG timeline: <state dir>/rollouts/.

  --cwd DIR               the Pulumi project's directory (its Pulumi.yaml). Default: the current one.
  --stack NAME            the stack: ORG/PROJECT/STACK, ORG/STACK or a plain name, in whatever
                          backend the project uses (PULUMI_BACKEND_URL, pulumi login). Default:
                          the workspace's selected stack. --create-stack creates it when missing.
  --toolchain [DIR]       use the source-built Pulumi CLI in DIR/bin (default STEADY_TOOLCHAIN_DIR
                          or ~/.cache/steady/toolchain) with plugin downloads off; also
                          STEADY_USE_TOOLCHAIN=1. Default: \`pulumi\` on PATH, else
                          $PULUMI_HOME/bin, with Pulumi's normal plugin handling.
  --kubeconfig FILE       the cluster to watch for rollout reports and the outage bound, also
                          given to the CLI as KUBECONFIG. Default: KUBECONFIG, else ~/.kube/config.
  --allow URN             let this resource's replacement through (repeatable; keep it in review).
  --config KEY=VALUE      set a config value on the stack before the run, as \`pulumi up --config\`
                          does: saved in Pulumi.<stack>.yaml (KEY without a namespace is the
                          project's). Not for secrets: use \`pulumi config set --secret\`.
  --rollback-on-failure   when the up fails, re-apply the config of the stack's last successful
                          update, read from the backend's history, through the same guarded
                          preview, policy packs and saved plan as the up; exit code 4.
  --policy-pack DIR       run the preview with this policy pack (repeatable); each
                          --policy-pack-config FILE gives the config of the pack in that position.
  --parallel N            resource operations Pulumi runs at once. Default: one per resource the
                          preview steps through (at least Pulumi's 4 x CPUs), so no rollout waits
                          for another's slot; PULUMI_PARALLEL also overrides. The provider's client
                          limits default to QPS 500, burst 1000 unless PULUMI_K8S_CLIENT_QPS /
                          _BURST are set. The run prints which it used.
  --summary-md FILE       append a Markdown summary to FILE, even when the run fails; in GitHub
                          Actions pass "$GITHUB_STEP_SUMMARY".

Plans and rollout reports go to STEADY_STATE_DIR, default DIR/.steady (add it to .gitignore).

${SIGNALS_AND_EXIT_CODES}`;
