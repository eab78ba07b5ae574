/**
 * `storage` as the options give it → the driver to use. The forms, checked before anything opens:
 *   undefined                                       filesystem on `<dataDir>/storage`
 *   { type: 'filesystem', options?: { folder } }    default folder `<dataDir>/storage`
 *   { type: 'memory' }                              nothing kept past the process
 *   { type: 's3', options: { bucket, region, … } }  Amazon S3 or an S3-compatible store
 *   { type: 'azure', options: { container, … } }    Azure Blob Storage
 *   a StorageDriver object                          used as given
 * and `storageFromUrl`, the same as one string for the environment (twelve-factor).
 * The cloud drivers import their SDK on first use, so resolving an option loads no SDK.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { azureDriver, type AzureDriverOptions } from './drivers/azure.js';
import { filesystemDriver } from './drivers/filesystem.js';
import { memoryDriver } from './drivers/memory.js';
import { s3Driver, type S3DriverOptions } from './drivers/s3.js';
import { normalizeBase } from './keys.js';
import type { StorageDriver } from './types.js';

export type StorageOption =
  | StorageDriver
  | { type: 'filesystem'; options?: { folder?: string } }
  | { type: 'memory'; options?: Record<string, never> }
  | { type: 's3'; options: Omit<S3DriverOptions, 'pageSize'> }
  | { type: 'azure'; options: Omit<AzureDriverOptions, 'pageSize'> };

const FORMS = '{ type: "filesystem", options: { folder: "./storage" } }, { type: "memory" }, { type: "s3", options: { bucket, region } }, { type: "azure", options: { container, connectionString } } or a storage driver object';
const TYPES = ['filesystem', 'memory', 's3', 'azure'];
const EXAMPLE: Record<string, string> = {
  filesystem: '{ type: "filesystem", options: { folder: "./storage" } }',
  s3: '{ type: "s3", options: { bucket: "my-bucket", region: "eu-west-1" } }',
  azure: '{ type: "azure", options: { container: "mikr0", connectionString: "…" } }',
};
/** S3's rules for new buckets (lowercase, 3–63, no `_`); Azure's for containers (also no `.` nor `--`). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const CONTAINER = /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const ACCOUNT = /^[a-z0-9]{3,24}$/;

export function resolveStorage(option: unknown, dataDir: string): StorageDriver {
  const fallback = path.join(dataDir, 'storage');
  if (option === undefined) return filesystemDriver({ base: fallback });
  if (typeof option !== 'object' || option === null || Array.isArray(option)) {
    throw new TypeError(`storage must be ${FORMS}; got ${option === null ? 'null' : Array.isArray(option) ? 'an array' : typeof option}`);
  }
  if (typeof (option as Partial<StorageDriver>).getItemRaw === 'function') return option as StorageDriver;
  const { type, options } = option as { type?: unknown; options?: unknown };
  if (typeof type !== 'string' || !TYPES.includes(type)) {
    throw new TypeError(`storage.type must be ${TYPES.slice(0, -1).map((t) => `"${t}"`).join(', ')} or "${TYPES.at(-1)}", got ${JSON.stringify(type)}: use ${FORMS}`);
  }
  if (options !== undefined && !isObject(options)) {
    throw new TypeError(`storage.options must be an object, e.g. ${EXAMPLE[type] ?? EXAMPLE.filesystem}`);
  }
  if (type === 'memory') return memoryDriver();
  if (type === 's3') return s3Driver(s3Options(options));
  if (type === 'azure') return azureDriver(azureOptions(options));
  const folder = (options as { folder?: unknown } | undefined)?.folder;
  if (folder === undefined) return filesystemDriver({ base: fallback });
  if (typeof folder !== 'string' || folder === '') {
    throw new TypeError(`storage.options.folder must be a folder path such as "./storage", got ${JSON.stringify(folder)}`);
  }
  return filesystemDriver({ base: path.resolve(folder) });
}

/** The S3 options, checked; secrets are never echoed in a message. */
function s3Options(options: object | undefined): S3DriverOptions {
  if (!options) throw new TypeError(`storage.options is required for S3, e.g. ${EXAMPLE.s3}`);
  const { bucket, region, endpoint, forcePathStyle, prefix, credentials } = options as Record<string, unknown>;
  if (typeof bucket !== 'string' || !BUCKET.test(bucket)) {
    throw new TypeError(`storage.options.bucket must be a bucket name such as "my-bucket" (3 to 63 lowercase letters, digits, dots and hyphens), got ${JSON.stringify(bucket)}`);
  }
  if (typeof region !== 'string' || !/^[a-z0-9-]+$/.test(region)) {
    throw new TypeError(`storage.options.region must be an AWS region such as "eu-west-1", got ${JSON.stringify(region)}`);
  }
  if (forcePathStyle !== undefined && typeof forcePathStyle !== 'boolean') {
    throw new TypeError(`storage.options.forcePathStyle must be true or false, got ${JSON.stringify(forcePathStyle)}`);
  }
  if (credentials !== undefined) {
    const { accessKeyId, secretAccessKey, sessionToken } = (isObject(credentials) ? credentials : {}) as Record<string, unknown>;
    if (!isText(accessKeyId) || !isText(secretAccessKey) || (sessionToken !== undefined && !isText(sessionToken))) {
      throw new TypeError('storage.options.credentials must be { accessKeyId, secretAccessKey, sessionToken? } (strings), or left out to use the AWS_* environment');
    }
  }
  return {
    bucket,
    region,
    endpoint: httpUrl(endpoint, 'storage.options.endpoint', 'http://127.0.0.1:9000'),
    forcePathStyle,
    prefix: keyPrefix(prefix),
    credentials: credentials as S3DriverOptions['credentials'],
  };
}

/** The Azure options, checked: a connection string, or an account name and key (+ url). */
function azureOptions(options: object | undefined): AzureDriverOptions {
  if (!options) throw new TypeError(`storage.options is required for Azure, e.g. ${EXAMPLE.azure}`);
  const { connectionString, accountName, accountKey, container, prefix, url } = options as Record<string, unknown>;
  if (typeof container !== 'string' || !CONTAINER.test(container)) {
    throw new TypeError(`storage.options.container must be a container name such as "mikr0" (3 to 63 lowercase letters, digits and single hyphens), got ${JSON.stringify(container)}`);
  }
  const byAccount = accountName !== undefined || accountKey !== undefined || url !== undefined;
  if (connectionString !== undefined) {
    if (byAccount) throw new TypeError('storage.options takes either connectionString or accountName + accountKey (+ url), not both');
    if (!isText(connectionString) || !/AccountName=/i.test(connectionString)) {
      throw new TypeError('storage.options.connectionString must be an Azure Storage connection string ("DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…;…")');
    }
    return { connectionString, container, prefix: keyPrefix(prefix) };
  }
  if (!byAccount) throw new TypeError('storage.options needs connectionString, or accountName and accountKey, to reach Azure Blob');
  if (typeof accountName !== 'string' || !ACCOUNT.test(accountName)) {
    throw new TypeError(`storage.options.accountName must be a storage account name (3 to 24 lowercase letters and digits), got ${JSON.stringify(accountName)}`);
  }
  if (!isText(accountKey)) throw new TypeError('storage.options.accountKey must be the account key (a base64 string) of storage.options.accountName');
  return {
    accountName,
    accountKey,
    url: httpUrl(url, 'storage.options.url', `http://127.0.0.1:10000/${accountName}`),
    container,
    prefix: keyPrefix(prefix),
  };
}

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null && !Array.isArray(value);
const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';

function httpUrl(value: unknown, option: string, example: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)) return value;
  throw new TypeError(`${option} must be an http(s) URL such as "${example}", got ${JSON.stringify(value)}`);
}

function keyPrefix(value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  try {
    if (typeof value === 'string' && normalizeBase(value)) return value;
  } catch {
    // the message below says what a prefix may be
  }
  throw new TypeError(`storage.options.prefix must be a key prefix such as "mikr0/" (relative, '/'-separated, no '.' or '..' segments), got ${JSON.stringify(value)}`);
}

/**
 * For banners and logs: `filesystem /var/lib/mikr0/storage`, `s3 mikr0-bundles/registry/ (eu-west-1)`,
 * `azure mikr0 (account devstoreaccount1)`, `memory (nothing kept)`. Never a key, secret or
 * connection string. `option` as given (checked already by resolveStorage).
 */
export function describeStorage(option: StorageOption | undefined, dataDir: string): string {
  if (option === undefined) return `filesystem ${path.join(dataDir, 'storage')}`;
  if (typeof (option as Partial<StorageDriver>).getItemRaw === 'function') return `${(option as StorageDriver).name} driver`;
  const { type, options = {} } = option as { type: string; options?: Record<string, any> };
  if (type === 'memory') return 'memory (nothing kept)';
  if (type === 'filesystem') return `filesystem ${options.folder ? path.resolve(options.folder) : path.join(dataDir, 'storage')}`;
  const prefix = options.prefix ? `/${options.prefix}` : '';
  if (type === 's3') {
    const endpoint = options.endpoint ? `, ${new URL(options.endpoint).origin}` : '';
    return `s3 ${options.bucket}${prefix} (${options.region}${endpoint})`;
  }
  const account = options.accountName ?? /AccountName=([^;]+)/i.exec(options.connectionString ?? '')?.[1];
  return `azure ${options.container}${prefix}${account ? ` (account ${account})` : ''}`;
}

/**
 * A storage option from one string, as an environment variable gives it:
 *   s3://bucket/prefix?region=eu-west-1&endpoint=http://…&forcePathStyle=true  (region default AWS_REGION)
 *   azure://container/prefix                  account from AZURE_STORAGE_CONNECTION_STRING
 *   azure://container/prefix?account=name     key from AZURE_STORAGE_KEY (&url= a custom endpoint)
 *   file:///abs/folder, or a folder path      filesystem
 *   memory:                                   memory
 * Credentials never go in the URL: they stay in the environment the SDKs read.
 */
export function storageFromUrl(url: string, env: NodeJS.ProcessEnv = process.env): StorageOption {
  if (typeof url !== 'string' || url.trim() === '') throw new TypeError('storage URL must not be empty: use s3://bucket, azure://container, file:///folder, a folder path or memory:');
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(url)?.[1].toLowerCase(); // one letter is a Windows drive, i.e. a path
  if (scheme === undefined) return { type: 'filesystem', options: { folder: url } };
  if (scheme === 'memory') return { type: 'memory' };
  if (scheme === 'file') {
    if (!url.startsWith('file:///')) throw new TypeError('storage URL file:… must name an absolute folder, as in file:///var/lib/mikr0/storage (or give a plain folder path)');
    return { type: 'filesystem', options: { folder: fileURLToPath(url) } };
  }
  if (scheme !== 's3' && scheme !== 'azure') {
    throw new TypeError(`storage URL must start with s3://, azure://, file:// or memory: (or be a folder path), got "${scheme}:"`);
  }
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  const name = parsed?.hostname;
  if (!name) throw new TypeError(`storage URL ${scheme}://… must name the ${scheme === 's3' ? 'bucket' : 'container'} first, e.g. ${scheme}://mikr0-bundles/prefix`);
  const where = `${scheme}://${name}`;
  if (parsed.username || parsed.password) {
    throw new TypeError(`storage URL ${where} must not carry credentials: set ${scheme === 's3' ? 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY' : 'AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_KEY'} instead`);
  }
  const query = Object.fromEntries(parsed.searchParams);
  const prefix = decodeURIComponent(parsed.pathname.replace(/^\/+/, '')) || undefined;
  const allowed = scheme === 's3' ? ['region', 'endpoint', 'forcePathStyle'] : ['account', 'url'];
  const unknown = Object.keys(query).find((key) => !allowed.includes(key));
  if (unknown) throw new TypeError(`storage URL ${where} has an unknown parameter "${unknown}": use ${allowed.join(', ')}`);
  const option = scheme === 's3' ? s3FromUrl(where, name, prefix, query, env) : azureFromUrl(where, name, prefix, query, env);
  try {
    resolveStorage(option, ''); // the same checks as the object form; opens nothing
  } catch (error) {
    throw new TypeError(`storage URL ${where}: ${(error as Error).message}`);
  }
  return option;
}

function s3FromUrl(where: string, bucket: string, prefix: string | undefined, query: Record<string, string>, env: NodeJS.ProcessEnv): StorageOption {
  const region = query.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new TypeError(`storage URL ${where} needs a region: add ?region=eu-west-1 or set AWS_REGION`);
  const { forcePathStyle } = query;
  if (forcePathStyle !== undefined && forcePathStyle !== 'true' && forcePathStyle !== 'false') {
    throw new TypeError(`storage URL ${where}: forcePathStyle must be true or false, got "${forcePathStyle}"`);
  }
  return {
    type: 's3',
    options: { bucket, region, endpoint: query.endpoint, forcePathStyle: forcePathStyle === undefined ? undefined : forcePathStyle === 'true', prefix },
  };
}

function azureFromUrl(where: string, container: string, prefix: string | undefined, query: Record<string, string>, env: NodeJS.ProcessEnv): StorageOption {
  if (query.account) {
    const accountKey = env.AZURE_STORAGE_KEY;
    if (!accountKey) throw new TypeError(`storage URL ${where}?account=${query.account} needs the account key in AZURE_STORAGE_KEY`);
    return { type: 'azure', options: { accountName: query.account, accountKey, url: query.url, container, prefix } };
  }
  if (query.url) throw new TypeError(`storage URL ${where}: url= goes with account= (a connection string names its own endpoint)`);
  const connectionString = env.AZURE_STORAGE_CONNECTION_STRING;
  if (!connectionString) throw new TypeError(`storage URL ${where} needs AZURE_STORAGE_CONNECTION_STRING, or ?account=<name> with AZURE_STORAGE_KEY`);
  return { type: 'azure', options: { connectionString, container, prefix } };
}
