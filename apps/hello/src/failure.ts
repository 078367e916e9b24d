/**
 * Decides, request by request, which `GET /` requests fail on purpose (HELLO_FAILURE_RATIO).
 * Deterministic rather than random: after n requests exactly floor(n * ratio) have failed, so
 * 0.2 fails every fifth request and a test (or a canary analysis run) sees the share it set,
 * not a sample of it.
 * @param ratio share of requests to fail, from 0 to 1, at most three decimal places.
 * @returns a function to call once per request; true means "answer 500".
 */
export function createFailureInjector(ratio: number): () => boolean {
  // Counted in thousandths so that no float rounding ever adds or drops a failure.
  const perMille = Math.round(ratio * 1000);
  let requests = 0;
  return () => {
    if (perMille === 0) return false;
    const failedBefore = Math.floor((requests * perMille) / 1000);
    requests += 1;
    return Math.floor((requests * perMille) / 1000) > failedBefore;
  };
}
