import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the stand-in metadata service answers with; each cloud's part may be changed between requests. */
export interface MetadataAnswers {
  /** AWS: the instance identity document and its base64 signature. */
  aws?: { document: string; signature: string };
  /** GCP: the identity token for an audience (`format=full`). */
  gcp?: (audience: string) => Promise<string>;
  /** Azure: the managed identity's access token for a resource. */
  azure?: (resource: string) => Promise<string>;
}

/** A request the stand-in received. */
export interface MetadataRequestSeen {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
}

/** The instance metadata service at 169.254.169.254, stood in on http://127.0.0.1:PORT. */
export interface TestMetadataService {
  readonly url: string;
  readonly answers: MetadataAnswers;
  readonly requests: MetadataRequestSeen[];
  /** When true, AWS paths answer 401 without an IMDSv2 session token (as an instance requiring IMDSv2). */
  imdsV2Only: boolean;
  stop(): Promise<void>;
}

/**
 * Starts a metadata service covering AWS IMDSv2 (PUT /latest/api/token, then the
 * document and signature with the session header; IMDSv1 unless imdsV2Only), GCP
 * (Metadata-Flavor: Google) and Azure (Metadata: true), each refusing requests
 * without its header as the real ones do.
 */
export async function startMetadataService(answers: MetadataAnswers = {}): Promise<TestMetadataService> {
  const sessions = new Set<string>();
  const requests: MetadataRequestSeen[] = [];
  const service = { answers, requests, imdsV2Only: true } as { -readonly [K in keyof TestMetadataService]: TestMetadataService[K] };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://metadata');
    requests.push({ method: req.method ?? '', path: url.pathname + url.search, headers: req.headers });
    const send = (status: number, body: string, type = 'text/plain'): void => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    const fail = (err: unknown): void => send(500, (err as Error).message);
    if (url.pathname === '/latest/api/token' && req.method === 'PUT') {
      const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
      if (!(ttl >= 1 && ttl <= 21600)) return send(400, 'missing or bad X-aws-ec2-metadata-token-ttl-seconds');
      const session = randomBytes(16).toString('base64');
      sessions.add(session);
      return send(200, session);
    }
    if (url.pathname.startsWith('/latest/dynamic/instance-identity/') && req.method === 'GET') {
      const session = req.headers['x-aws-ec2-metadata-token'];
      if (typeof session === 'string' ? !sessions.has(session) : service.imdsV2Only) return send(401, 'Unauthorized');
      if (!answers.aws) return send(404, 'Not Found');
      if (url.pathname.endsWith('/document')) return send(200, answers.aws.document);
      if (url.pathname.endsWith('/signature')) return send(200, answers.aws.signature);
      return send(404, 'Not Found');
    }
    if (url.pathname === '/computeMetadata/v1/instance/service-accounts/default/identity') {
      if (req.headers['metadata-flavor'] !== 'Google') return send(403, 'Missing Metadata-Flavor:Google header.');
      if (!answers.gcp || url.searchParams.get('format') !== 'full') return send(404, 'Not Found');
      answers.gcp(url.searchParams.get('audience') ?? '').then((t) => send(200, t), fail);
      return;
    }
    if (url.pathname === '/metadata/identity/oauth2/token') {
      if (req.headers.metadata !== 'true') return send(400, JSON.stringify({ error: 'invalid_request', error_description: 'Required metadata header not specified' }), 'application/json');
      if (!answers.azure) return send(404, 'Not Found');
      const resource = url.searchParams.get('resource') ?? '';
      answers.azure(resource).then((t) => send(200, JSON.stringify({ access_token: t, token_type: 'Bearer', resource, expires_in: '86399' }), 'application/json'), fail);
      return;
    }
    send(404, 'Not Found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  service.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  service.stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return service;
}
