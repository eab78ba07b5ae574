/**
 * The scale-out backends' SDKs are optional peer dependencies, imported when the backend is
 * first used and not before: a registry on SQLite and a folder starts without them. When one
 * is missing, the error is one line naming the install, not a resolver stack.
 */

/** The message for a missing package: `storage type "s3" needs @aws-sdk/client-s3: npm install @aws-sdk/client-s3`. */
export const missingPackage = (what: string, name: string) => `${what} needs ${name}: npm install ${name}`;

/**
 * `load()` (a literal `import('<name>')`, so the types come with it), or the one-line error
 * (code `MIKR0_PACKAGE_MISSING`) when `name` is not installed. Other failures pass as they are.
 */
export async function importOptional<T>(name: string, what: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    const message = String((error as Error)?.message);
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && (message.includes(`'${name}'`) || message.includes(`'${name}/`))) {
      throw Object.assign(new Error(missingPackage(what, name), { cause: error }), { code: 'MIKR0_PACKAGE_MISSING' });
    }
    throw error;
  }
}
