/**
 * steady-image: the sample app's OCI image, built without Docker or a registry (umoci, one
 * reproducible layer, tagged by content), and imported into containerd with ctr.
 * @packageDocumentation
 */
export { buildImage, appNameOf, sourceDateEpochFrom, SOURCE_DATE_EPOCH_ENV } from "./build";
export type { BuildOptions, BuildResult } from "./build";
export {
  importImage,
  listImages,
  parseImageList,
  checkTarget,
  DEFAULT_CONTAINERD_ADDRESS,
  DEFAULT_NAMESPACE,
} from "./import";
export type { ImportOptions, ImportResult, ListedImage } from "./import";
export { imageInfo, readRecord, checkRecord, ImageNotBuiltError } from "./info";
export type { ImageInfo, ImageInfoOptions, ImageRecord } from "./info";
export {
  formatReference,
  contentTag,
  appImageName,
  checkRepository,
  LOCAL_REGISTRY,
  DIGEST_PREFIX_LENGTH,
} from "./reference";
export { imageConfig, etcFiles, APP_DIR, APP_PORT, APP_UID, NODE_PATH } from "./config";
export type { ImageConfig } from "./config";
export { parseLdd, sharedLibraries, MissingLibraryError } from "./ldd";
export type { SharedLibrary } from "./ldd";
export { hashInputs, RECIPE_VERSION } from "./inputs";
export { planRootfs, listAppFiles } from "./plan";
export { listDependencyFiles, resolveDependencies, type DependencyFile } from "./dependencies";
export type { RootfsEntry } from "./plan";
export { defaultOutDir, defaultAppDir, findRepoRoot } from "./paths";
export { MissingToolError, CommandError } from "./exec";
