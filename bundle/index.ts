/**
 * The publishable bundle format: its types, writing (build), packing (publish), unpacking and
 * validation (registry). Plugin, CLI and registry import it from here.
 */
export type { ArchiveFile, BundleInfo, BundlePackage, FileInfo, Manifest } from './types.js';
export { writeBundlePackage, type BundleDescription } from './write.js';
export { collectFiles, packTarGz } from './pack.js';
export { readTarGz, type ArchiveLimits } from './tar.js';
export { buildManifest, fileInfo, nameProblem, versionProblem } from './manifest.js';
