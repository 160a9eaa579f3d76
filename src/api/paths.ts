import type { IncomingMessage } from 'node:http';

/** A request's path: its URL without the query string. */
export const requestPath = (req: IncomingMessage): string => (req.url ?? '').split('?')[0];

/** Every route of api.md exists at `/X` and at `/1.0/X`: both paths, for one flat registration. */
export const both = (path: string): string[] => [path, `/1.0${path}`];
