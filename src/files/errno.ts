/** The errno code of a failed file-system call ("ENOENT", "EACCES"), or "error" when it has none: what one-line messages name. */
export function errnoCode(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : 'error';
}
