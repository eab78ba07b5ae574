/**
 * Defaults the registry's sandbox and the dev server's emulator share, so a loader that
 * fits in `vite dev` fits when published.
 */

/** Milliseconds a loader or action may take. */
export const DEFAULT_TIMEOUT_MS = 5000;

/** Largest loader/action result, in bytes of JSON. */
export const DEFAULT_MAX_RESULT_BYTES = 10 * 1024 * 1024;
