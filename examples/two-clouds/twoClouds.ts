/**
 * The steps of the two-clouds walk-through (README.md): an "AWS" CA that issues by
 * AWS instance identity and a "GCP" CA that issues by GCP instance identity,
 * federated with each other. Built on basic-federation's steps (the real CLI);
 * `test/twoClouds.test.ts` runs them on free ports, against stand-ins of the clouds.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { federate, initCa, startCa, type DemoCa, type RunningCa, type Workspace } from '../basic-federation/steps.js';

/** What the clouds sign with, as the CAs must trust it: real AWS and Google, or stand-ins. */
export interface CloudTrust {
  /** A PEM file with the certificate(s) AWS signs instance identity documents with (`iidRoots`); absent: AWS's published ones. */
  readonly awsIidRoots?: string;
  /** Google's OpenID configuration (fedca's `configurationEndpoint`); absent: https://accounts.google.com. */
  readonly googleConfigurationEndpoint?: string;
  /** A PEM file its HTTPS chains to (fedca's `caBundle`), for a stand-in. */
  readonly googleCaBundle?: string;
}

/** The walk-through's two CAs, started. */
export interface TwoClouds {
  readonly aws: RunningCa;
  readonly gcp: RunningCa;
}

/** Copies `file` into the CA's config folder; resolves the path ca.json names it by (relative to the home). */
function intoHome(ws: Workspace, ca: DemoCa, file: string): string {
  const name = `config/${basename(file)}`;
  copyFileSync(file, join(ws.dir, ca.home, name));
  return name;
}

/** Adds a provisioner entry to the CA's ca.json (echoed as the JSON a user would add). */
function addProvisioner(ws: Workspace, ca: DemoCa, entry: Record<string, unknown>): void {
  const file = join(ws.dir, ca.home, 'config/ca.json');
  ws.echo?.(`# add to "authority.provisioners" in ${ca.home}/config/ca.json: ${JSON.stringify(entry)}`);
  const config = JSON.parse(readFileSync(file, 'utf8')) as { authority: { provisioners: unknown[] } };
  config.authority.provisioners.push(entry);
  writeFileSync(file, JSON.stringify(config, null, 2) + '\n');
}

/**
 * Initialises the "AWS" CA (an AWS provisioner "aws" for `awsAccounts`) and the "GCP"
 * CA (a GCP provisioner "gcp" for `gcpProjects`), federates them with each other and
 * starts both. Ports 0: any free ones.
 */
export async function startTwoClouds(ws: Workspace, trust: CloudTrust, ports: { aws: number; gcp: number }, allowed: { awsAccounts: string[]; gcpProjects: string[] }): Promise<TwoClouds> {
  const aws = await initCa(ws, 'AWS', ports.aws);
  const gcp = await initCa(ws, 'GCP', ports.gcp);
  addProvisioner(ws, aws, { type: 'AWS', name: 'aws', accounts: allowed.awsAccounts, ...(trust.awsIidRoots ? { iidRoots: intoHome(ws, aws, trust.awsIidRoots) } : {}) });
  addProvisioner(ws, gcp, {
    type: 'GCP',
    name: 'gcp',
    projectIDs: allowed.gcpProjects,
    ...(trust.googleConfigurationEndpoint ? { configurationEndpoint: trust.googleConfigurationEndpoint } : {}),
    ...(trust.googleCaBundle ? { caBundle: intoHome(ws, gcp, trust.googleCaBundle) } : {}),
  });
  await federate(ws, aws, gcp);
  await federate(ws, gcp, aws);
  const awsCa = await startCa(ws, aws);
  try {
    return { aws: awsCa, gcp: await startCa(ws, gcp) };
  } catch (err) {
    await awsCa.stop();
    throw err;
  }
}
