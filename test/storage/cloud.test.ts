/**
 * The S3 and Azure Blob drivers against real emulators (s3rver, Azurite; see emulators.ts): the
 * shared conformance suite, then what only a cloud driver has: prefixes, paging, exact bytes as
 * stored, check() messages, the SDK imported on first use; and the s3/azure storage options.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { azureDriver, s3Driver, type AzureDriverOptions, type S3DriverOptions, type StorageDriver } from '../../registry-lite/storage/index.js';
import { resolveStorage, storageFromUrl } from '../../registry-lite/storage/open.js';
import { root } from '../helpers.js';
import { describeStorageDriver } from './conformance.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, S3RVER_CREDENTIALS, startAzurite, startS3rver, type Emulator } from './emulators.js';

const EXISTING = 'existing';
let s3rver: Emulator;
let azurite: Emulator;
let s3: S3Client;
let blobs: BlobServiceClient;
beforeAll(async () => {
  [s3rver, azurite] = await Promise.all([startS3rver(), startAzurite()]);
  s3 = new S3Client({ region: 'us-east-1', endpoint: s3rver.url, forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
  blobs = new BlobServiceClient(azuriteUrl(), new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY));
  // Wrong credentials are tested on a place that exists: s3rver looks for the bucket first.
  await Promise.all([s3.send(new CreateBucketCommand({ Bucket: EXISTING })), blobs.createContainer(EXISTING)]);
});
afterAll(async () => {
  s3?.destroy();
  await Promise.all([s3rver?.stop(), azurite?.stop()]);
});

const s3Options = (bucket: string, extra: Partial<S3DriverOptions> = {}): S3DriverOptions => ({
  bucket,
  region: 'us-east-1',
  endpoint: s3rver.url,
  forcePathStyle: true,
  credentials: S3RVER_CREDENTIALS,
  ...extra,
});
const azuriteUrl = () => `${azurite.url}/${AZURITE_ACCOUNT}`;
const azureOptions = (container: string, extra: Partial<AzureDriverOptions> = {}): AzureDriverOptions => ({
  accountName: AZURITE_ACCOUNT,
  accountKey: AZURITE_KEY,
  url: azuriteUrl(),
  container,
  ...extra,
});

/** One cloud driver as the shared tests below see it; the SDK calls are the tests' own, not the driver's. */
interface Cloud {
  /** A fresh, empty bucket or container (operators create them: the drivers never do). */
  space(): Promise<string>;
  driver(space: string, extra?: { prefix?: string; pageSize?: number }): StorageDriver;
  /** The object names in `space` as stored, prefix included. */
  storedNames(space: string): Promise<string[]>;
  storedBytes(space: string, name: string): Promise<Uint8Array>;
  /** check() of a driver → the one line it must throw. */
  failures: [string, () => StorageDriver, string][];
}

const clouds: Record<'s3' | 'azure', Cloud> = {
  s3: {
    async space() {
      const bucket = `t-${randomUUID()}`;
      await s3.send(new CreateBucketCommand({ Bucket: bucket })); // no ACL: private
      return bucket;
    },
    driver: (bucket, extra) => s3Driver(s3Options(bucket, extra)),
    async storedNames(bucket) {
      return ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((item) => item.Key!);
    },
    async storedBytes(bucket, key) {
      return (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray();
    },
    failures: [
      ['a missing bucket', () => s3Driver(s3Options('no-such-bucket')), 'S3 bucket "no-such-bucket" does not exist (storage.options.bucket)'],
      [
        'wrong credentials',
        () => s3Driver(s3Options(EXISTING, { credentials: { accessKeyId: 'NOT-S3RVER', secretAccessKey: 'wrong' } })),
        'S3 credentials were refused (storage.options.credentials or the AWS_* environment)',
      ],
      [
        'an unreachable endpoint',
        () => s3Driver(s3Options(EXISTING, { endpoint: 'http://127.0.0.1:1' })),
        'cannot reach S3 at http://127.0.0.1:1 (storage.options.endpoint)',
      ],
    ],
  },
  azure: {
    async space() {
      const container = `t-${randomUUID()}`;
      await blobs.getContainerClient(container).create(); // no access level: private
      return container;
    },
    driver: (container, extra) => azureDriver(azureOptions(container, extra)),
    async storedNames(container) {
      const names: string[] = [];
      for await (const item of blobs.getContainerClient(container).listBlobsFlat()) names.push(item.name);
      return names;
    },
    async storedBytes(container, name) {
      return blobs.getContainerClient(container).getBlobClient(name).downloadToBuffer();
    },
    failures: [
      ['a missing container', () => azureDriver(azureOptions('no-such-container')), 'Azure container "no-such-container" does not exist (storage.options.container)'],
      [
        'a wrong account key',
        () => azureDriver(azureOptions(EXISTING, { accountKey: randomBytes(64).toString('base64') })),
        'Azure Blob credentials were refused (storage.options.accountKey)',
      ],
      [
        'a connection string with a wrong key',
        () => azureDriver({ container: EXISTING, connectionString: connectionString(randomBytes(64).toString('base64')) }),
        'Azure Blob credentials were refused (storage.options.connectionString)',
      ],
      [
        'an unreachable endpoint',
        () => azureDriver(azureOptions(EXISTING, { url: `http://127.0.0.1:1/${AZURITE_ACCOUNT}` })),
        `cannot reach Azure Blob at http://127.0.0.1:1/${AZURITE_ACCOUNT} (storage.options.url)`,
      ],
    ],
  },
};

const connectionString = (key = AZURITE_KEY) =>
  `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${key};BlobEndpoint=${azuriteUrl()};`;

// The emulators' folders go with them (afterAll): nothing to clean per test.
describeStorageDriver('s3', async () => ({ driver: clouds.s3.driver(await clouds.s3.space()), cleanup: async () => {} }));
describeStorageDriver('s3 with a prefix', async () => ({ driver: clouds.s3.driver(await clouds.s3.space(), { prefix: 'mikr0/' }), cleanup: async () => {} }));
describeStorageDriver('azure', async () => ({ driver: clouds.azure.driver(await clouds.azure.space()), cleanup: async () => {} }));
describeStorageDriver('azure by connection string, with a prefix', async () => ({
  driver: azureDriver({ connectionString: connectionString(), container: await clouds.azure.space(), prefix: 'mikr0' }),
  cleanup: async () => {},
}));

describe.each(Object.entries(clouds))('%s driver', (_name, cloud) => {
  test('a prefix namespaces every key: two drivers in one place do not see each other', async () => {
    const space = await cloud.space();
    const [one, two, bare] = [cloud.driver(space, { prefix: 'one/' }), cloud.driver(space, { prefix: 'two' }), cloud.driver(space)];
    await one.setItemRaw('hello/1.0.0/a.js', Uint8Array.of(1));
    await two.setItemRaw('hello/1.0.0/a.js', Uint8Array.of(2));
    await two.setItemRaw('only-two', Uint8Array.of(3));
    expect((await cloud.storedNames(space)).sort()).toEqual(['one/hello/1.0.0/a.js', 'two/hello/1.0.0/a.js', 'two/only-two']);
    expect(await one.getKeys()).toEqual(['hello/1.0.0/a.js']);
    expect(await two.getKeys()).toEqual(['hello/1.0.0/a.js', 'only-two']);
    expect(await two.getKeys('hello')).toEqual(['hello/1.0.0/a.js']);
    expect([...(await one.getItemRaw('hello/1.0.0/a.js'))!]).toEqual([1]);
    expect(await one.getItemRaw('only-two')).toBeNull();
    expect(await one.hasItem('only-two')).toBe(false);
    await one.removeItem('hello/1.0.0/a.js');
    expect([...(await two.getItemRaw('hello/1.0.0/a.js'))!]).toEqual([2]);
    // Without a prefix the whole place is visible, prefixes and all.
    expect(await bare.getKeys()).toEqual(['two/hello/1.0.0/a.js', 'two/only-two']);
    await Promise.all([one, two, bare].map((driver) => driver.dispose?.()));
  });

  test('getKeys pages through a listing longer than one page', async () => {
    const space = await cloud.space();
    const driver = cloud.driver(space, { prefix: 'p/', pageSize: 3 });
    const keys = Array.from({ length: 11 }, (_, i) => `c/${String(i).padStart(2, '0')}`);
    await Promise.all([...keys, 'other/x'].map((key) => driver.setItemRaw(key, Uint8Array.of(1))));
    expect(await driver.getKeys('c')).toEqual(keys);
    expect(await driver.getKeys()).toEqual([...keys, 'other/x']);
    await driver.dispose?.();
  });

  test('1.5 MB of random bytes are stored exactly as given and read back exactly', async () => {
    const space = await cloud.space();
    const driver = cloud.driver(space, { prefix: 'mikr0/' });
    const value = randomBytes(1536 * 1024 + 7);
    await driver.setItemRaw('hello/1.0.0/big.bin', value);
    // As stored, read past the driver: no checksum trailer or chunk framing around the bytes.
    expect(Buffer.compare(Buffer.from(await cloud.storedBytes(space, 'mikr0/hello/1.0.0/big.bin')), value)).toBe(0);
    const got = await driver.getItemRaw('hello/1.0.0/big.bin');
    expect(got!.constructor).toBe(Uint8Array);
    expect(Buffer.compare(got!, value)).toBe(0);
    await driver.dispose?.();
  });

  test('a missing key is null, with and without a prefix; a missing bucket or container is an error', async () => {
    const space = await cloud.space();
    for (const driver of [cloud.driver(space), cloud.driver(space, { prefix: 'x/' })]) {
      expect(await driver.getItemRaw('nope/1.0.0/a.js')).toBeNull();
      expect(await driver.hasItem('nope/1.0.0/a.js')).toBe(false);
      await driver.dispose?.();
    }
    const nowhere = cloud.driver('no-such-place');
    await expect(nowhere.getItemRaw('a')).rejects.toThrow();
    await nowhere.dispose?.();
  });

  test('check() resolves for a bucket or container that exists', async () => {
    const driver = cloud.driver(await cloud.space());
    await expect(driver.check!()).resolves.toBeUndefined();
    await driver.dispose?.();
  });

  test.each(cloud.failures)('check() with %s throws one line naming the setting', async (_label, make, message) => {
    const driver = make();
    const error = await driver.check!().then(() => undefined, (error: Error) => error);
    expect(error?.message).toBe(message);
    await driver.dispose?.();
  });
});

test('S3 without credentials anywhere: check() says they were not found, naming where to put them', async () => {
  // The SDK's default chain, with every source it reads empty (and no instance metadata lookup).
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI']) {
    vi.stubEnv(name, undefined);
  }
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(root, 'no-such-credentials-file'));
  vi.stubEnv('AWS_CONFIG_FILE', join(root, 'no-such-config-file'));
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  try {
    const driver = s3Driver(s3Options(EXISTING, { credentials: undefined }));
    await expect(driver.check!()).rejects.toThrow(/^S3 credentials were not found \(storage\.options\.credentials or the AWS_\* environment\)$/);
    await driver.dispose?.();
  } finally {
    vi.unstubAllEnvs();
  }
});

test('without the SDKs installed, the options resolve and the first use names the package to install', async () => {
  // open.ts and its drivers bundled into a temp folder with no node_modules above it: there,
  // Node really cannot find either SDK, as in a registry installed without them.
  const dir = await mkdtemp(join(tmpdir(), 'mikr0-no-sdk-'));
  try {
    await build({
      configFile: false,
      logLevel: 'silent',
      build: { ssr: join(root, 'registry-lite/storage/open.ts'), outDir: dir, rollupOptions: { output: { entryFileNames: 'open.mjs' } } },
    });
    const script = `
      const { resolveStorage } = await import(${JSON.stringify(pathToFileURL(join(dir, 'open.mjs')).href)});
      const results = {};
      for (const option of [
        { type: 's3', options: { bucket: 'my-bucket', region: 'eu-west-1' } },
        { type: 'azure', options: { container: 'mikr0', connectionString: 'AccountName=a;AccountKey=a2V5' } },
      ]) {
        const driver = resolveStorage(option, '.');
        results[option.type] = await driver.getItemRaw('a').then(() => 'no error', (error) => error.message);
      }
      results.memory = await resolveStorage({ type: 'memory' }, '.').getItemRaw('a');
      console.log(JSON.stringify(results));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, timeout: 20_000 });
    expect(JSON.parse(stdout)).toEqual({
      s3: 'storage type "s3" needs @aws-sdk/client-s3: npm install @aws-sdk/client-s3',
      azure: 'storage type "azure" needs @azure/storage-blob: npm install @azure/storage-blob',
      memory: null,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

describe('s3 and azure storage options', () => {
  const s3 = (options: unknown) => ({ type: 's3', options });
  const azure = (options: unknown) => ({ type: 'azure', options });
  const bucket = { bucket: 'my-bucket', region: 'eu-west-1' };
  const account = { container: 'mikr0', accountName: 'acct', accountKey: 'a2V5' };

  test.each<[unknown, string]>([
    [s3(bucket), 's3'],
    [s3({ ...bucket, endpoint: 'http://127.0.0.1:9000', forcePathStyle: true, prefix: 'mikr0/', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }), 's3'],
    [azure(account), 'azure'],
    [azure({ ...account, url: 'http://127.0.0.1:10000/acct', prefix: 'mikr0' }), 'azure'],
    [azure({ container: 'mikr0', connectionString: 'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5' }), 'azure'],
  ])('%j resolves to the %s driver, opening nothing', (option, name) => {
    expect(resolveStorage(option, '.').name).toBe(name);
  });

  test.each<[unknown, RegExp]>([
    [{ type: 's4' }, /^storage\.type must be "filesystem", "memory", "s3" or "azure", got "s4"/],
    [{ type: 's3' }, /^storage\.options is required for S3, e\.g\. \{ type: "s3", options: \{ bucket: "my-bucket", region: "eu-west-1" \} \}$/],
    [s3([]), /^storage\.options must be an object, e\.g\. \{ type: "s3"/],
    [s3({ region: 'eu-west-1' }), /^storage\.options\.bucket must be a bucket name such as "my-bucket" .*, got undefined$/],
    [s3({ ...bucket, bucket: 'My_Bucket' }), /^storage\.options\.bucket must be a bucket name.*got "My_Bucket"$/],
    [s3({ bucket: 'my-bucket' }), /^storage\.options\.region must be an AWS region such as "eu-west-1", got undefined$/],
    [s3({ ...bucket, endpoint: 'localhost:9000' }), /^storage\.options\.endpoint must be an http\(s\) URL such as "http:\/\/127\.0\.0\.1:9000"/],
    [s3({ ...bucket, forcePathStyle: 'yes' }), /^storage\.options\.forcePathStyle must be true or false/],
    [s3({ ...bucket, prefix: '../up' }), /^storage\.options\.prefix must be a key prefix such as "mikr0\/"/],
    [s3({ ...bucket, prefix: '/abs' }), /^storage\.options\.prefix must be a key prefix/],
    [s3({ ...bucket, credentials: { accessKeyId: 'AKIA-hunter2-ID' } }), /^storage\.options\.credentials must be \{ accessKeyId, secretAccessKey, sessionToken\? \}/],
    [{ type: 'azure' }, /^storage\.options is required for Azure/],
    [azure({ ...account, container: 'Bad--Name' }), /^storage\.options\.container must be a container name such as "mikr0".*got "Bad--Name"$/],
    [azure({ container: 'mikr0' }), /^storage\.options needs connectionString, or accountName and accountKey/],
    [azure({ ...account, connectionString: 'AccountName=a;AccountKey=hunter2' }), /^storage\.options takes either connectionString or accountName \+ accountKey/],
    [azure({ container: 'mikr0', connectionString: 'hunter2' }), /^storage\.options\.connectionString must be an Azure Storage connection string/],
    [azure({ ...account, accountName: 'Not An Account' }), /^storage\.options\.accountName must be a storage account name/],
    [azure({ ...account, accountKey: '' }), /^storage\.options\.accountKey must be the account key/],
    [azure({ ...account, url: 'ftp://x' }), /^storage\.options\.url must be an http\(s\) URL/],
  ])('%j is a TypeError naming the option', (option, message) => {
    expect(() => resolveStorage(option, '.')).toThrow(TypeError);
    expect(() => resolveStorage(option, '.')).toThrow(message);
    // Secrets are never echoed.
    expect(() => resolveStorage(option, '.')).not.toThrow(/hunter2/);
  });
});

describe('storageFromUrl', () => {
  const env = { AWS_REGION: 'us-east-2', AZURE_STORAGE_CONNECTION_STRING: 'AccountName=acct;AccountKey=a2V5', AZURE_STORAGE_KEY: 'a2V5' };

  test.each<[string, NodeJS.ProcessEnv, unknown]>([
    ['s3://my-bucket', env, { type: 's3', options: { bucket: 'my-bucket', region: 'us-east-2', prefix: undefined, endpoint: undefined, forcePathStyle: undefined } }],
    [
      's3://my-bucket/mikr0/?region=eu-west-1&endpoint=http://127.0.0.1:9000&forcePathStyle=true',
      {},
      { type: 's3', options: { bucket: 'my-bucket', region: 'eu-west-1', prefix: 'mikr0/', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true } },
    ],
    ['azure://mikr0/bundles', env, { type: 'azure', options: { connectionString: env.AZURE_STORAGE_CONNECTION_STRING, container: 'mikr0', prefix: 'bundles' } }],
    [
      'azure://mikr0?account=acct&url=http://127.0.0.1:10000/acct',
      env,
      { type: 'azure', options: { accountName: 'acct', accountKey: 'a2V5', url: 'http://127.0.0.1:10000/acct', container: 'mikr0', prefix: undefined } },
    ],
    ['file:///var/lib/mikr0/storage', {}, { type: 'filesystem', options: { folder: '/var/lib/mikr0/storage' } }],
    ['./data/storage', {}, { type: 'filesystem', options: { folder: './data/storage' } }],
    ['memory:', {}, { type: 'memory' }],
  ])('%s', (url, environment, expected) => {
    const option = storageFromUrl(url, environment);
    expect(option).toEqual(expected);
    expect(resolveStorage(option, '.').name).toBe((expected as { type: string }).type);
  });

  test.each<[string, NodeJS.ProcessEnv, RegExp]>([
    ['', {}, /^storage URL must not be empty: use s3:\/\/bucket, azure:\/\/container, file:\/\/\/folder, a folder path or memory:$/],
    ['gs://bucket', {}, /^storage URL must start with s3:\/\/, azure:\/\/, file:\/\/ or memory: \(or be a folder path\), got "gs:"$/],
    ['s3://', env, /^storage URL s3:\/\/… must name the bucket first, e\.g\. s3:\/\/mikr0-bundles\/prefix$/],
    ['s3://my-bucket', {}, /^storage URL s3:\/\/my-bucket needs a region: add \?region=eu-west-1 or set AWS_REGION$/],
    ['s3://my-bucket?regoin=eu-west-1', env, /^storage URL s3:\/\/my-bucket has an unknown parameter "regoin": use region, endpoint, forcePathStyle$/],
    ['s3://my-bucket?forcePathStyle=1', env, /^storage URL s3:\/\/my-bucket: forcePathStyle must be true or false, got "1"$/],
    ['s3://KEY:hunter2@my-bucket', env, /^storage URL s3:\/\/my-bucket must not carry credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead$/],
    ['s3://my_bucket', env, /^storage URL s3:\/\/my_bucket: storage\.options\.bucket must be a bucket name/],
    ['azure://mikr0', {}, /^storage URL azure:\/\/mikr0 needs AZURE_STORAGE_CONNECTION_STRING, or \?account=<name> with AZURE_STORAGE_KEY$/],
    ['azure://mikr0?account=acct', {}, /^storage URL azure:\/\/mikr0\?account=acct needs the account key in AZURE_STORAGE_KEY$/],
    ['azure://mikr0?url=http://x', env, /^storage URL azure:\/\/mikr0: url= goes with account=/],
    ['file:relative/x', {}, /^storage URL file:… must name an absolute folder, as in file:\/\/\/var\/lib\/mikr0\/storage/],
  ])('%j is a TypeError naming the fix', (url, environment, message) => {
    expect(() => storageFromUrl(url, environment)).toThrow(TypeError);
    expect(() => storageFromUrl(url, environment)).toThrow(message);
    expect(() => storageFromUrl(url, environment)).not.toThrow(/hunter2/);
  });
});
