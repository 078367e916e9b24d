import { setUpTier } from "./global-setup";

/** The node-loss drill's cluster: two real nodes, so one can be lost while the other serves. */
export default function globalSetupTwoNodes(): Promise<void> {
  return setUpTier(2);
}
