import { Agent, type AgentOptions, type RequestOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import type { SecureContext } from 'node:tls';

/**
 * An https.Agent whose TLS identity and trust can change while it is in use:
 * each new connection takes the secure context `context()` returns at that
 * moment, while pooled connections go on with the one they were made with, so
 * none is dropped when a certificate is renewed.
 */
export class RenewingAgent extends Agent {
  constructor(
    private readonly context: () => SecureContext,
    options: AgentOptions = {},
  ) {
    super(options);
  }

  override createConnection(options: RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const withContext: RequestOptions & { secureContext: SecureContext } = { ...options, secureContext: this.context() };
    return super.createConnection(withContext, callback);
  }
}
