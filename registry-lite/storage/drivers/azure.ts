/**
 * Azure Blob Storage as storage: one block blob per key, under `prefix` in `container`.
 * @azure/storage-blob is an optional peer dependency, imported on first use, so a registry on
 * another driver starts without it.
 *
 * Blobs are as private as the container, which must have no public access level: the server
 * code of a bundle is stored here too. A CDN or public URL may only ever point at client files.
 */
import type * as Azure from '@azure/storage-blob';
import { importOptional } from '../../optional-package.js';
import { assertKey, normalizeBase } from '../keys.js';
import type { StorageDriver } from '../types.js';

export interface AzureDriverOptions {
  /** Either this (`DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…`) … */
  connectionString?: string;
  /** … or an account name and key. */
  accountName?: string;
  accountKey?: string;
  container: string;
  /** Namespaces every key: `mikr0/` stores `hello/1.0.0/x.js` as `mikr0/hello/1.0.0/x.js`. */
  prefix?: string;
  /** The account's blob endpoint with account name and key, e.g. Azurite's `http://127.0.0.1:10000/devstoreaccount1`; default `https://<account>.blob.core.windows.net`. */
  url?: string;
  /** Blobs per listing request (5000 by default); tests lower it to cover paging. */
  pageSize?: number;
}

/**
 * Three tries with a short backoff (from 250 ms): the SDK's default (four, from 4 s) keeps a
 * request, and a start-up or /health check, waiting 16 s before it says the endpoint is down.
 */
const RETRY = { retryOptions: { maxTries: 3, retryDelayInMs: 250, maxRetryDelayInMs: 2000 } };
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EHOSTUNREACH', 'ETIMEDOUT', 'REQUEST_SEND_ERROR']);

type AzureError = Error & { code?: string; statusCode?: number };

const loadSdk = () => importOptional('@azure/storage-blob', 'storage type "azure"', () => import('@azure/storage-blob'));

export function azureDriver(options: AzureDriverOptions): StorageDriver {
  const { container } = options;
  const root = normalizeBase(options.prefix) && `${normalizeBase(options.prefix)}/`;
  const secret = options.connectionString ? 'storage.options.connectionString' : 'storage.options.accountKey';
  let connection: Promise<Azure.ContainerClient> | undefined;

  function connect() {
    connection ??= loadSdk().then((sdk) => {
      const service = options.connectionString
        ? sdk.BlobServiceClient.fromConnectionString(options.connectionString, RETRY)
        : new sdk.BlobServiceClient(
            options.url ?? `https://${options.accountName}.blob.core.windows.net`,
            new sdk.StorageSharedKeyCredential(options.accountName!, options.accountKey!),
            RETRY,
          );
      return service.getContainerClient(container);
    });
    return connection;
  }

  async function blob(key: string) {
    const name = root + assertKey(key); // a bad key is refused before the SDK loads
    return (await connect()).getBlockBlobClient(name);
  }

  /** The one-line reason `check()` gives, naming the setting to change. */
  function explain(error: unknown, url: string): Error {
    const { code, statusCode } = (error ?? {}) as AzureError;
    if (code === 'ContainerNotFound' || statusCode === 404) return new Error(`Azure container "${container}" does not exist (storage.options.container)`);
    if (statusCode === 403 || code === 'AuthenticationFailed') return new Error(`Azure Blob credentials were refused (${secret})`);
    if (UNREACHABLE.has(code!)) {
      return new Error(`cannot reach Azure Blob at ${url} (${options.connectionString ? 'storage.options.connectionString' : 'storage.options.url'})`);
    }
    return new Error(`Azure container "${container}" cannot be used: ${(error as Error)?.message ?? error}`);
  }

  return {
    name: 'azure',
    async hasItem(key) {
      return (await blob(key)).exists();
    },
    async getItemRaw(key) {
      const client = await blob(key);
      try {
        // One GET, so the bytes are one version of the blob even while a writer replaces it.
        const response = await client.download();
        const chunks: Buffer[] = [];
        for await (const chunk of response.readableStreamBody!) chunks.push(chunk as Buffer);
        const bytes = Buffer.concat(chunks);
        return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength); // a plain Uint8Array, like the other drivers
      } catch (error) {
        if ((error as AzureError).code === 'BlobNotFound') return null;
        throw error;
      }
    },
    async setItemRaw(key, value) {
      // One Put Blob: readers see the old blob or the new one, never a part.
      await (await blob(key)).upload(value, value.byteLength);
    },
    async removeItem(key) {
      await (await blob(key)).deleteIfExists();
    },
    async getKeys(base) {
      const folder = normalizeBase(base);
      const client = await connect();
      const keys: string[] = [];
      for await (const page of client.listBlobsFlat({ prefix: root + (folder && `${folder}/`) }).byPage({ maxPageSize: options.pageSize })) {
        for (const item of page.segment.blobItems) keys.push(item.name.slice(root.length));
      }
      return keys.sort();
    },
    async check() {
      const client = await connect();
      try {
        await client.getProperties();
      } catch (error) {
        throw explain(error, client.url.replace(/\/[^/]*$/, ''));
      }
    },
    async dispose() {
      // The SDK keeps no handles of its own beyond Node's shared HTTP agent.
      connection = undefined;
    },
  };
}
