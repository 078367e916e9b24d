#!/usr/bin/env node
import { demo } from "./demo";

const USAGE = `usage: steady-deploy demo [--env dev|staging|prod]

  demo   start (or reuse) the local cluster unless KUBECONFIG reaches one, pulumi up the platform
         and sample-app stacks of the environment, roll out a new app version and report it.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== "demo") {
    console.error(command ? `unknown command ${JSON.stringify(command)}\n\n${USAGE}` : USAGE);
    return 2;
  }
  let env = "dev";
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === "--env" && rest[i + 1]) env = rest[++i]!;
    else {
      console.error(`unknown option ${JSON.stringify(rest[i])}\n\n${USAGE}`);
      return 2;
    }
  }
  if (!["dev", "staging", "prod"].includes(env)) {
    console.error(`--env ${JSON.stringify(env)} is not an environment: expected dev, staging or prod`);
    return 2;
  }
  await demo({ env });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(`\nsteady-deploy: ${e.message}`);
    process.exit(1);
  },
);
