import { setUpTier } from "./global-setup";

/**
 * The node-loss drill's cluster: two real nodes, so one can be lost while the other serves; in
 * the drill's own directory (`.steady/it-real-2`), so the main run's reports survive it.
 */
export default function globalSetupTwoNodes(): Promise<void> {
  return setUpTier(2, "node-loss");
}
