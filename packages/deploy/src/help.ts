/** Whether `argv` asks for the usage: `--help` or `-h` anywhere, or `help` as the command. */
export function asksForHelp(argv: readonly string[]): boolean {
  return argv.some((x) => x === "--help" || x === "-h") || argv[0] === "help";
}

/**
 * `main` with help answered first: when `argv` asks for it, the usage goes to stdout and the
 * exit code is 0 (a question, not a mistake), before `main` parses anything. One place for
 * every command-line tool built on steady-deploy, so they all answer alike.
 */
export function withHelp(
  main: (argv: string[]) => Promise<number>,
  usage: string,
): (argv: string[]) => Promise<number> {
  return async (argv) => {
    if (!asksForHelp(argv)) return main(argv);
    console.log(usage);
    return 0;
  };
}
