import { readFileSync } from "node:fs";
import { join } from "node:path";
import { itDir } from "./env";
import { client, kubeconfig, list, stackOf, up } from "./harness";

const NS = "steady-secrets";

describe("secrets", () => {
  it("keeps the kubeconfig and config secrets out of every stack's state and out of the cluster's objects", async () => {
    const kubeconfigText = readFileSync(kubeconfig(), "utf8");
    // The most sensitive line: the credential itself (a token or a client key).
    const credential = /^\s*(token|client-key-data):\s*(\S+)/m.exec(kubeconfigText)?.[2];
    expect(credential && credential.length).toBeGreaterThan(20);

    const platform = await stackOf("platform", "dev", "secrets", {
      namespace: NS,
      environment: "secrets",
      simulatedNodes: 1,
    });
    await platform.setConfig("kubeconfig", { value: kubeconfigText, secret: true });
    const outputs = await up(platform);
    expect(outputs.namespace).toBe(NS);
    const app = await stackOf("app", "dev", "secrets", {
      platformStack: "organization/steady-platform/secrets",
    });
    await up(app);

    // The state as stored (the file backend's checkpoint): `stack export` would decrypt secrets.
    for (const project of ["steady-platform", "steady-app"]) {
      const file = join(itDir(), "pulumi-state", ".pulumi", "stacks", project, "secrets.json");
      const state = readFileSync(file, "utf8");
      expect(state).not.toContain(credential);
      expect(state).not.toContain("client-key-data");
      if (project === "steady-platform") expect(state).toContain("ciphertext");
    }
    // The stack config file holds the kubeconfig only as a secure: value.
    const configFile = readFileSync(
      join(itDir(), "work", "steady-platform.secrets", "Pulumi.secrets.yaml"),
      "utf8",
    );
    expect(configFile).not.toContain(credential);
    expect(configFile).toMatch(/steady-platform:kubeconfig:\s*\n\s*secure: /);
    // The platform's kubeconfig output is a secret, so the app's StackReference holds it encrypted.
    const outputsView = await platform.outputs();
    expect(outputsView.kubeconfig?.secret).toBe(true);

    const kube = client();
    try {
      for (const kind of ["configmaps", "secrets"]) {
        const objects = JSON.stringify(await list(kube, "api/v1", NS, kind));
        expect(objects).not.toContain(credential);
      }
      const deployments = JSON.stringify(await list(kube, "apis/apps/v1", NS, "deployments"));
      expect(deployments).not.toContain(credential);
    } finally {
      kube.close();
    }
    await app.destroy();
    await platform.destroy();
  });
});

describe("bad config", () => {
  it("fails the preview with every problem listed and touches nothing", async () => {
    const stack = await stackOf("app", "dev", "badconfig", {
      namespace: "steady-badconfig",
      platformStack: null,
      image: "",
      version: "v 2",
      replicas: 0,
      maxSurge: "150%",
      replica: 3,
    });
    let output = "";
    const error = await stack.preview({ onOutput: (s) => (output += s) }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error).toBeDefined();
    const text = `${output}\n${error?.message}`;
    for (const problem of [
      "Stack config of steady-app has 5 invalid inputs",
      "steady-app:image: is required",
      'steady-app:version: "v 2" is not valid',
      'steady-app:replicas: "0" is not valid: expected an integer from 1 to 1000',
      'steady-app:maxSurge: "150%" is not valid',
      "steady-app:replica: is not a known setting of steady-app",
    ]) {
      expect(text).toContain(problem);
    }
    const state = (await stack.exportStack()) as { deployment?: { resources?: unknown[] } };
    expect(state.deployment?.resources ?? []).toEqual([]);
    const kube = client();
    try {
      await expect(kube.get("/api/v1/namespaces/steady-badconfig")).rejects.toMatchObject({
        statusCode: 404,
      });
    } finally {
      kube.close();
    }
  });
});
