/**
 * Amazon S3 (or an S3-compatible store: MinIO, R2, …) as storage: one object per key, under
 * `prefix` in `bucket`. @aws-sdk/client-s3 is an optional peer dependency, imported on first
 * use, so a registry on another driver starts without it.
 *
 * Every object is written without an ACL, i.e. as private as the bucket: the server code of a
 * bundle is stored here too and must never be public. A CDN or public URL in front of this
 * bucket may only ever point at client files, never at the whole bucket.
 */
import type * as S3 from '@aws-sdk/client-s3';
import { assertKey, normalizeBase } from '../keys.js';
import { importOptional } from '../../optional-package.js';
import type { StorageDriver } from '../types.js';

export interface S3DriverOptions {
  bucket: string;
  region: string;
  /** An S3-compatible endpoint such as `http://127.0.0.1:9000`; default AWS's own for `region`. */
  endpoint?: string;
  /** `endpoint/bucket/key` instead of `bucket.endpoint/key` (MinIO and most emulators need it). */
  forcePathStyle?: boolean;
  /** Namespaces every key: `mikr0/` stores `hello/1.0.0/x.js` as `mikr0/hello/1.0.0/x.js`. */
  prefix?: string;
  /** Default: the SDK's chain (AWS_* environment, shared config files, instance or task role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Keys per ListObjectsV2 request (S3's maximum, 1000, by default); tests lower it to cover paging. */
  pageSize?: number;
}

const MISSING_ITEM = new Set(['NoSuchKey', 'NotFound']);
const REFUSED = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'Forbidden', 'ExpiredToken', 'InvalidToken']);
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EHOSTUNREACH', 'ETIMEDOUT', 'TimeoutError']);

type S3Error = Error & { code?: string; $metadata?: { httpStatusCode?: number } };
const status = (error: unknown) => (error as S3Error)?.$metadata?.httpStatusCode;

const loadSdk = () => importOptional('@aws-sdk/client-s3', 'storage type "s3"', () => import('@aws-sdk/client-s3'));

export function s3Driver(options: S3DriverOptions): StorageDriver {
  const { bucket } = options;
  const root = normalizeBase(options.prefix) && `${normalizeBase(options.prefix)}/`;
  let connection: Promise<{ sdk: typeof S3; client: S3.S3Client }> | undefined;

  function connect() {
    connection ??= loadSdk().then((sdk) => ({
      sdk,
      client: new sdk.S3Client({
        region: options.region,
        endpoint: options.endpoint,
        forcePathStyle: options.forcePathStyle,
        credentials: options.credentials,
        // Checksums only where S3 demands them: the default since SDK 3.729 (CRC32 headers, and
        // aws-chunked bodies with trailing CRCs for streams) is refused or stored framing and all
        // by several S3-compatible stores.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      }),
    }));
    return connection;
  }

  /** Whether `error` means "no such object" (a HEAD answers a bare 404, without a code). */
  const isMissing = (error: unknown) => MISSING_ITEM.has((error as S3Error)?.name) || ((error as S3Error)?.name !== 'NoSuchBucket' && status(error) === 404);

  /** The one-line reason `check()` gives, naming the setting to change. */
  function explain(error: unknown): Error {
    const { name, code } = (error ?? {}) as S3Error;
    const where = options.endpoint ? `at ${options.endpoint} (storage.options.endpoint)` : `in region "${options.region}" (storage.options.region)`;
    if (name === 'NotFound' || name === 'NoSuchBucket') return new Error(`S3 bucket "${bucket}" does not exist (storage.options.bucket)`);
    if (name === 'CredentialsProviderError') return new Error('S3 credentials were not found (storage.options.credentials or the AWS_* environment)');
    if (REFUSED.has(name) || status(error) === 403) {
      return new Error('S3 credentials were refused (storage.options.credentials or the AWS_* environment)');
    }
    if (status(error) === 301) return new Error(`S3 bucket "${bucket}" is in another region than "${options.region}" (storage.options.region)`);
    if (UNREACHABLE.has(code!) || UNREACHABLE.has(name)) return new Error(`cannot reach S3 ${where}`);
    return new Error(`S3 bucket "${bucket}" cannot be used: ${(error as Error)?.message ?? error}`);
  }

  return {
    name: 's3',
    async hasItem(key) {
      const Key = root + assertKey(key);
      const { sdk, client } = await connect();
      try {
        await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key }));
        return true;
      } catch (error) {
        if (isMissing(error)) return false;
        throw error;
      }
    },
    async getItemRaw(key) {
      const Key = root + assertKey(key);
      const { sdk, client } = await connect();
      try {
        const { Body } = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key }));
        const bytes = await Body!.transformToByteArray();
        return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength); // a plain Uint8Array, like the other drivers
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },
    async setItemRaw(key, value) {
      const Key = root + assertKey(key);
      const { sdk, client } = await connect();
      // One PutObject: readers see the old object or the new one, never a part.
      await client.send(new sdk.PutObjectCommand({ Bucket: bucket, Key, Body: value, ContentLength: value.byteLength }));
    },
    async removeItem(key) {
      const Key = root + assertKey(key);
      const { sdk, client } = await connect();
      await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key })); // S3 answers 204 for a missing key too
    },
    async getKeys(base) {
      const folder = normalizeBase(base);
      const Prefix = root + (folder && `${folder}/`);
      const { sdk, client } = await connect();
      const keys: string[] = [];
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix, ContinuationToken, MaxKeys: options.pageSize }));
        for (const { Key } of page.Contents ?? []) {
          // A key ending in `/` is a "folder" some consoles create, not an item.
          if (Key && !Key.endsWith('/')) keys.push(Key.slice(root.length));
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
      return keys.sort();
    },
    async check() {
      const { sdk, client } = await connect();
      try {
        await client.send(new sdk.HeadBucketCommand({ Bucket: bucket }));
      } catch (error) {
        throw explain(error);
      }
    },
    async dispose() {
      const current = connection;
      connection = undefined;
      if (current) (await current.catch(() => undefined))?.client.destroy();
    },
  };
}
