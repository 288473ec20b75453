/**
 * A local stand-in for AWS STS, so the offline plan runs the AWS provider's real account
 * checks: `assume_role` is answered with temporary credentials of the role's account, and
 * `GetCallerIdentity` with the account the calling credentials belong to, which `allowed_account_ids` then accepts
 * or refuses, exactly as against AWS. Nothing is signed or verified: the account travels
 * inside the (fake) access key id, `OFFLINE<12 digits>`.
 */
import { createServer, IncomingMessage, Server } from 'node:http';

/** The access key id of offline credentials in `account`. */
export function offlineAccessKey(account: string): string {
  return `OFFLINE${account}`;
}

/** The account a request's SigV4 credentials claim (`Credential=OFFLINE<account>/...`). */
export function accountOfRequest(authorization: string | undefined): string | undefined {
  return /Credential=OFFLINE(\d{12})\//.exec(authorization ?? '')?.[1];
}

export interface OfflineSts {
  /** The endpoint URL for the provider's `endpoints { sts = ... }`. */
  readonly endpoint: string;
  close(): Promise<void>;
}

const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

function reply(action: string, body: string): string {
  return `<${action}Response xmlns="${XMLNS}"><${action}Result>${body}</${action}Result><ResponseMetadata><RequestId>offline</RequestId></ResponseMetadata></${action}Response>`;
}

function answer(params: URLSearchParams, authorization: string | undefined): { status: number; body: string } {
  const action = params.get('Action');
  if (action === 'AssumeRole') {
    const roleArn = params.get('RoleArn') ?? '';
    const account = /^arn:[\w-]+:iam::(\d{12}):role\//.exec(roleArn)?.[1];
    if (!account) return { status: 400, body: `<ErrorResponse><Error><Code>ValidationError</Code><Message>bad RoleArn ${roleArn}</Message></Error></ErrorResponse>` };
    const session = params.get('RoleSessionName') ?? 'offline';
    const role = roleArn.split('/').pop();
    return {
      status: 200,
      body: reply(
        'AssumeRole',
        `<Credentials><AccessKeyId>${offlineAccessKey(account)}</AccessKeyId><SecretAccessKey>offline</SecretAccessKey><SessionToken>offline</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>` +
          `<AssumedRoleUser><AssumedRoleId>AROAOFFLINE:${session}</AssumedRoleId><Arn>arn:aws:sts::${account}:assumed-role/${role}/${session}</Arn></AssumedRoleUser>`,
      ),
    };
  }
  if (action === 'GetCallerIdentity') {
    const account = accountOfRequest(authorization) ?? '000000000000';
    return { status: 200, body: reply('GetCallerIdentity', `<Arn>arn:aws:iam::${account}:user/offline</Arn><UserId>AIDAOFFLINE</UserId><Account>${account}</Account>`) };
  }
  return { status: 400, body: `<ErrorResponse><Error><Code>InvalidAction</Code><Message>offline STS does not answer ${action}</Message></Error></ErrorResponse>` };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => resolve(body));
  });
}

/** Starts the stand-in on a free local port. */
export function startOfflineSts(): Promise<OfflineSts> {
  const server: Server = createServer((request, response) => {
    void readBody(request).then((body) => {
      const { status, body: xml } = answer(new URLSearchParams(body), request.headers.authorization);
      response.writeHead(status, { 'Content-Type': 'text/xml' });
      response.end(xml);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({
        endpoint: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
