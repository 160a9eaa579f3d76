import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request listener on plain node:http objects (the busy routes skip express). */
export type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** Picks the listener for a request and its path (split once, `requestPath`), or undefined when the request is not this route's. */
export type DirectRoute = (req: IncomingMessage, path: string) => Listener | undefined;
