import type { Command } from 'commander';
import { registerExportAcm } from './exportAcm.js';
import { registerExportOpenvpnClient } from './exportOpenvpnClient.js';
import { registerExportOpenvpnServer } from './exportOpenvpnServer.js';

/** Adds `fedca export` and its verbs: the files a VPN takes, each with a fresh key and certificate (easy-rsa's build-*-full). */
export function registerExport(program: Command): void {
  const group = program
    .command('export')
    .description('issue a fresh key and certificate through the CA and write them as a VPN takes them: OpenVPN server or client, or AWS Certificate Manager');
  registerExportOpenvpnServer(group);
  registerExportOpenvpnClient(group);
  registerExportAcm(group);
}
