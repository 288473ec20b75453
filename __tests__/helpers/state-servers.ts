/**
 * S3 and DynamoDB protocol servers for the remote-state tests, on free loopback ports:
 *  - `s3rver` (S3): buckets on a temporary folder;
 *  - `dynalite` (DynamoDB): in memory;
 *  - an optional "front" in front of s3rver that records requests and adds two behaviours of
 *    real S3 that s3rver 3.7 lacks, each only when asked for: conditional writes
 *    (`If-None-Match: *` on PUT answers 412 when the object exists; s3rver ignores the header,
 *    so it cannot refuse a second lock file), and regional endpoints (a bucket living in another
 *    region answers 301 PermanentRedirect with `x-amz-bucket-region`; s3rver has no regions).
 * Endpoints and credentials for Terraform go into a `-backend-config` file written by the test,
 * never into the synthesized backend.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import S3rver from 's3rver';
import dynalite from 'dynalite';

const LOOPBACK = '127.0.0.1';

/** s3rver's built-in credentials (it verifies signatures made with them). */
export const S3RVER_CREDENTIALS = { accessKey: 'S3RVER', secretKey: 'S3RVER' };

export interface RunningServer {
  readonly endpoint: string;
  close(): Promise<void>;
}

export interface S3Server extends RunningServer {
  readonly directory: string;
  /** The stored bytes of an object, or undefined. */
  getObject(bucket: string, key: string): Promise<Buffer | undefined>;
  /** An unsigned PUT (s3rver accepts anonymous requests). */
  putObject(bucket: string, key: string, body: string, headers?: Record<string, string>): Promise<number>;
}

function request(url: string, options: http.RequestOptions, body?: string | Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { ...options, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export async function startS3(buckets: readonly string[]): Promise<S3Server> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 's3rver-'));
  const server = new S3rver({ address: LOOPBACK, port: 0, silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) });
  const { port } = await server.run();
  const endpoint = `http://${LOOPBACK}:${port}`;
  return {
    endpoint,
    directory,
    async getObject(bucket, key) {
      const res = await request(`${endpoint}/${bucket}/${key}`, { method: 'GET' });
      return res.status === 200 ? res.body : undefined;
    },
    async putObject(bucket, key, body, headers = {}) {
      return (await request(`${endpoint}/${bucket}/${key}`, { method: 'PUT', headers: { 'content-type': 'application/json', ...headers } }, body)).status;
    },
    async close() {
      if (server.httpServer) await closeServer(server.httpServer);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export interface DynamoServer extends RunningServer {
  createLockTable(name: string): Promise<void>;
  /** Every item of a table, as DynamoDB JSON. */
  scan(table: string): Promise<Record<string, { S?: string }>[]>;
}

export async function startDynamo(): Promise<DynamoServer> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, () => resolve()));
  const endpoint = `http://${LOOPBACK}:${(server.address() as AddressInfo).port}`;
  // dynalite checks that requests are signed, not the signature.
  const call = async (target: string, body: unknown) => {
    const res = await request(
      endpoint,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': `DynamoDB_20120810.${target}`,
          'x-amz-date': '20250101T000000Z',
          authorization: 'AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
        },
      },
      JSON.stringify(body),
    );
    const json = JSON.parse(res.body.toString() || '{}') as Record<string, unknown>;
    if (res.status !== 200) throw new Error(`dynalite ${target}: ${res.status} ${res.body.toString()}`);
    return json;
  };
  return {
    endpoint,
    async createLockTable(name) {
      await call('CreateTable', {
        TableName: name,
        AttributeDefinitions: [{ AttributeName: 'LockID', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'LockID', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      });
    },
    async scan(table) {
      return ((await call('Scan', { TableName: table })).Items ?? []) as Record<string, { S?: string }>[];
    },
    close: () => closeServer(server),
  };
}

export interface RecordedRequest {
  readonly method: string;
  /** Path without the query, e.g. `/bucket/dev/dev-network.tfstate`. */
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly status: number;
}

export interface S3FrontOptions {
  /** Refuse `If-None-Match: *` PUTs of existing objects with 412, as S3 does. @default false */
  readonly conditionalWrites?: boolean;
  /** The region this endpoint stands for. @default 'ap-northeast-2' */
  readonly endpointRegion?: string;
  /** Buckets living in another region: answered with 301 PermanentRedirect. @default {} */
  readonly bucketRegions?: Readonly<Record<string, string>>;
}

export interface S3Front extends RunningServer {
  readonly requests: RecordedRequest[];
}

export async function startS3Front(target: string, options: S3FrontOptions = {}): Promise<S3Front> {
  const requests: RecordedRequest[] = [];
  const endpointRegion = options.endpointRegion ?? 'ap-northeast-2';
  const locks = new Map<string, Promise<void>>();

  const forward = (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): Promise<number> =>
    new Promise((resolve) => {
      const upstream = http.request(`${target}${req.url}`, { method: req.method, headers: req.headers, agent: false }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        up.on('end', () => resolve(up.statusCode ?? 502));
      });
      upstream.on('error', () => {
        res.writeHead(502).end();
        resolve(502);
      });
      upstream.end(body);
    });

  const handle = async (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): Promise<number> => {
    const url = new URL(req.url ?? '/', 'http://front');
    const [, bucket = '', ...keyParts] = decodeURIComponent(url.pathname).split('/');
    const key = keyParts.join('/');
    const home = options.bucketRegions?.[bucket];
    if (home && home !== endpointRegion) {
      res.writeHead(301, { 'content-type': 'application/xml', 'x-amz-bucket-region': home });
      res.end(
        req.method === 'HEAD'
          ? undefined
          : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.</Message><Endpoint>${bucket}.s3.${home}.amazonaws.com</Endpoint><Bucket>${bucket}</Bucket></Error>`,
      );
      return 301;
    }
    if (options.conditionalWrites && req.method === 'PUT' && key && req.headers['if-none-match'] === '*') {
      // One conditional write per object at a time: check and write cannot interleave.
      const id = `${bucket}/${key}`;
      const previous = locks.get(id) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((r) => (release = r));
      locks.set(id, previous.then(() => mine));
      await previous;
      try {
        const exists = await request(`${target}/${bucket}/${key}`, { method: 'HEAD' });
        if (exists.status === 200) {
          res.writeHead(412, { 'content-type': 'application/xml' });
          res.end('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-None-Match</Condition></Error>');
          return 412;
        }
        return await forward(req, body, res);
      } finally {
        release();
      }
    }
    return forward(req, body, res);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void handle(req, Buffer.concat(chunks), res).then((status) => {
        requests.push({ method: req.method ?? '', path: decodeURIComponent(new URL(req.url ?? '/', 'http://front').pathname), headers: req.headers, status });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, () => resolve()));
  return { endpoint: `http://${LOOPBACK}:${(server.address() as AddressInfo).port}`, requests, close: () => closeServer(server) };
}

/**
 * A `-backend-config` file pointing Terraform's S3 backend at the test servers: endpoints,
 * path-style addressing, s3rver's credentials and the skip flags a non-AWS server needs.
 */
export function writeTestBackendConfig(dir: string, endpoints: { s3: string; dynamodb?: string }, extra: Record<string, string | boolean> = {}): string {
  const file = path.join(dir, 'test-servers.s3.tfbackend');
  const lines = [
    `endpoints = { s3 = "${endpoints.s3}"${endpoints.dynamodb ? `, dynamodb = "${endpoints.dynamodb}"` : ''} }`,
    'use_path_style = true',
    `access_key = "${S3RVER_CREDENTIALS.accessKey}"`,
    `secret_key = "${S3RVER_CREDENTIALS.secretKey}"`,
    'skip_credentials_validation = true',
    'skip_region_validation = true',
    'skip_requesting_account_id = true',
    'skip_metadata_api_check = true',
    'skip_s3_checksum = true',
    ...Object.entries(extra).map(([k, v]) => `${k} = ${typeof v === 'string' ? JSON.stringify(v) : v}`),
  ];
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}
