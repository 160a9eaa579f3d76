import { Option, type Command } from 'commander';

/**
 * step's name for one of fedca's options, where they mean the same
 * (`--provisioner-password-file` for `--password-file`, `--crv` for `--curve`):
 * accepted, listed in --help, and read as the fedca option before the action runs.
 * Both given with different values is a usage error.
 */
export function addStepAlias(command: Command, flags: string, fedcaFlag: string, parse?: (value: string) => unknown): Command {
  const option = new Option(flags, `step's name for ${fedcaFlag}`);
  if (parse) option.argParser(parse);
  command.addOption(option);
  const alias = option.attributeName();
  const target = new Option(fedcaFlag).attributeName();
  if (alias === target) return command;
  return command.hook('preAction', (cmd) => {
    const value: unknown = cmd.getOptionValue(alias);
    if (value === undefined) return;
    const given: unknown = cmd.getOptionValue(target);
    if (given !== undefined && given !== value) cmd.error(`fedca: ${option.long ?? flags} and ${fedcaFlag} say different things; give one`, { exitCode: 2 });
    cmd.setOptionValue(target, value);
  });
}
