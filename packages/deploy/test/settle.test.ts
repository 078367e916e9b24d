import { settle } from "../src/settle";

describe("settle", () => {
  it("keeps what the update resolved to", async () => {
    expect(await settle(async () => 42)).toEqual({ result: 42 });
  });

  it("keeps no result for an update that resolves to nothing", async () => {
    expect(await settle(async () => undefined)).toEqual({});
  });

  it("keeps the update's error instead of throwing it", async () => {
    const error = new Error("the up failed");
    expect(await settle(() => Promise.reject(error))).toEqual({ error });
  });

  it("keeps an error thrown before the update returns a promise", async () => {
    const error = new Error("no stack");
    const outcome = await settle(() => {
      throw error;
    });
    expect(outcome.error).toBe(error);
  });

  it.each([[undefined], ["a string"]])(
    "turns a thrown %p into an Error, so a failure is never taken for a success",
    async (thrown) => {
      const outcome = await settle(() => Promise.reject(thrown));
      expect(outcome.error).toBeInstanceOf(Error);
      expect(outcome.error?.message).toBe(String(thrown));
      expect(outcome).not.toHaveProperty("result");
    },
  );
});
