/**
 * The publishable bundle's format (CONTRACT §4), in one place: what `vite build` writes into
 * the bundle's package.json (`mikr0` block), and the manifest the registry keeps once the
 * bundle is checked. The plugin writes it (write.ts), the CLI packs it (pack.ts), the
 * registry unpacks and validates it (tar.ts, manifest.ts).
 */
import type { ParametersSchema } from '../runtime/shared/component.js';

/** Size and integrity of one file of a bundle, computed from its bytes. */
export interface FileInfo {
  size: number;
  gzip: number;
  integrity: string;
}

/** `package.json#mikr0` of a bundle, as `vite build` writes it. */
export interface BundleInfo {
  parameters?: ParametersSchema;
  files: {
    /** The client entry (ES module), default `template.js`. */
    template: string;
    /** The server half (CommonJS), default `server.cjs`; absent when there is none. */
    server?: string;
    css: string[];
    assets: string[];
  };
  /** Bytes and gzipped bytes per file; older bundles wrote a plain byte count. */
  sizes: Record<string, { raw: number; gzip: number } | number>;
  /** `sha256-<base64>` per file. */
  integrity: Record<string, string>;
  pluginVersion?: string;
  actions: string[];
  plugins: string[];
  dependencies: string[];
}

/** A bundle's package.json. */
export interface BundlePackage {
  name: string;
  version: string;
  description?: string;
  mikr0: BundleInfo;
}

/** What the registry keeps about one published version (built from the bundle by manifest.ts). */
export interface Manifest {
  template: string;
  server: string | null;
  css: string[];
  parameters?: ParametersSchema;
  /** Every file of the bundle, by path. */
  files: Record<string, FileInfo>;
  /** Files that may be served over HTTP (never the server code). */
  client: string[];
  /** Action names (absent on bundles built before the plugin recorded them). */
  actions?: string[];
  plugins: string[];
  dependencies: string[];
  pluginVersion?: string;
}

/** One file of a bundle: a '/'-separated path inside it and its bytes. */
export interface ArchiveFile {
  path: string;
  data: Uint8Array;
}
