/** Every route of api.md exists at `/X` and at `/1.0/X`: both paths, for one flat registration. */
export const both = (path: string): string[] => [path, `/1.0${path}`];
