import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { EXIT_OK, EXIT_USAGE, UsageError } from './errors';
import { type Io, processIo } from './io';

/** The version in FlowWatch's package.json, found from here (works from lib/ and dist/lib/). */
function packageVersion(): string {
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) return (JSON.parse(readFileSync(p, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

/**
 * The `flowwatch` command. Each action lazy-loads its module, so `flowwatch --help` and usage
 * errors never pay for DuckDB or zod, and nothing here imports the CDK or the AWS SDK.
 */
export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('flowwatch')
    .description(
      'Detect network threats in AWS VPC Flow Logs: run the FlowWatch detections offline on DuckDB over .log, .log.gz and .parquet files.',
    )
    .version(packageVersion())
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride();

  // Repeatable rather than variadic: a variadic option would swallow the positional paths after it.
  const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];
  const inventoryOption = (what: string) =>
    new Option(
      '--inventory <path>',
      `ENI inventory files or folders (from \`flowwatch inventory\`; repeatable): loads tables eni_inventory and eni_ips (one row per address)${what}`,
    ).argParser(collect);
  const threatIntelOption = (what: string) =>
    new Option(
      '--threat-intel <file>',
      `IP/CIDR list (plain, CSV, Feodo CSV, Spamhaus DROP JSON; repeatable): loads table threat_intel${what}`,
    ).argParser(collect);
  const inventoryAsOfOption = () =>
    new Option(
      '--inventory-as-of <iso>',
      'load the inventory snapshot in force at this time (per account/region the latest at or before it; ISO-8601 with a zone, e.g. 2026-01-15T08:00:00Z) instead of the latest; needs --inventory',
    );
  const threatIntelFormatOption = () =>
    new Option(
      '--threat-intel-format <format>',
      'format of every --threat-intel file instead of detecting it from the first line',
    ).choices(['plain', 'csv', 'feodo', 'jsonl']);

  const formatOption = () =>
    new Option('--format <format>', 'output format: table (for people) or json (JSON Lines)').default(
      'table',
    );

  program
    .command('scan')
    .description('load flow log files once and run the detections over them')
    .argument('<path...>', 'files or folders (AWS S3 layouts, plain or Hive-style, are read recursively)')
    .option(
      '--fields <fields>',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: AWS's own ${field} format syntax, shown literally
      "field order of headerless text files: AWS's '${version} ${srcaddr} ...' or 'version srcaddr ...' (default v2)",
    )
    .option('--detections <ids>', 'comma-separated detection ids to run (default: all)')
    .option('--since <iso>', 'window start (ISO-8601, UTC when no zone); default: first record')
    .option('--until <iso>', 'window end, exclusive; default: last record end + 1 s')
    .addOption(formatOption())
    .option('--strict', 'exit 2 if any line was skipped or any file could not be read')
    .option(
      '--fail-on <severity>',
      'exit 1 if any finding is at or above this severity (low|medium|high|critical)',
    )
    .option('--quiet', 'no progress bar and no summary on stderr')
    .option(
      '--memory-limit <size>',
      'cap on DuckDB memory; beyond it the table spills to a temp folder',
      '1GB',
    )
    .addOption(
      inventoryOption(
        '; direct-to-ec2-bypass uses it for v2 logs, database-egress for RDS interfaces, and findings name the instance or load balancer',
      ),
    )
    .addOption(inventoryAsOfOption())
    .addOption(
      threatIntelOption(
        '; threat-intel-match reports traffic with listed addresses; malformed lines are warnings, exit 2 with --strict',
      ),
    )
    .addOption(threatIntelFormatOption())
    .action(async (paths: string[], flags) => {
      const { scanCommand } = await import('./scan');
      setExit(await scanCommand(paths, flags, io));
    });

  program
    .command('demo')
    .description('generate a synthetic data set with injected attacks, scan it, and preview the alerts')
    .argument('[dir]', 'where to write the data (default: a new temp folder)')
    .option('--records <n>', 'background records per hour', '20000')
    .option('--hours <n>', 'hours of data', '2')
    .option('--seed <n>', 'random seed (same seed, same data)', '1')
    .option('--slack-json', 'print the Slack webhook payload as JSON instead of a text rendering')
    .option('--quiet', 'no progress bar')
    .action(async (dir: string | undefined, flags) => {
      const { demoCommand } = await import('./demo');
      setExit(await demoCommand(dir, flags, io));
    });

  program
    .command('detections')
    .description('list the detections with severity, schedule, lookback and MITRE ATT&CK technique')
    .addOption(formatOption())
    .action(async (flags) => {
      const { detectionsCommand } = await import('./detections');
      setExit(await detectionsCommand(flags, io));
    });

  program
    .command('query')
    .description(
      'run ad-hoc SQL (Athena dialect), or a shipped saved query (--saved), against the flow_logs table built from the files',
    )
    .argument(
      '[sql]',
      'the query, e.g. "SELECT srcaddr, sum(bytes) AS bytes FROM flow_logs GROUP BY 1" (omit it with --saved)',
    )
    .argument('[path...]', 'files or folders to load')
    .option(
      '--saved <name>',
      'run a saved query from sql/queries instead of SQL text: its id (traffic-from-source) or Athena name (flowwatch-traffic-from-source)',
    )
    .addOption(
      new Option(
        '--param <name=value>',
        "a saved query's input, e.g. source_addr=203.0.113.9 (repeatable)",
      ).argParser(collect),
    )
    .option('--since <iso>', 'saved query window start (ISO-8601, UTC when no zone); default: first record')
    .option('--until <iso>', 'saved query window end, exclusive; default: last record end + 1 s')
    .option('--list-saved', 'list the saved queries with their descriptions and params')
    .option('--fields <fields>', 'field order of headerless text files (default v2)')
    .addOption(formatOption())
    .option('--quiet', 'no progress bar and no context summary')
    .option(
      '--memory-limit <size>',
      'cap on DuckDB memory; beyond it the table spills to a temp folder',
      '1GB',
    )
    .option(
      '--strict',
      'exit 2 if any flow log or threat-intel line was skipped or any file could not be read',
    )
    .addOption(inventoryOption(', for joins with flow_logs'))
    .addOption(inventoryAsOfOption())
    .addOption(threatIntelOption(', for joins with flow_logs; malformed lines are warnings'))
    .addOption(threatIntelFormatOption())
    .action(async (sql: string | undefined, paths: string[], flags) => {
      const { queryCommand } = await import('./query');
      setExit(await queryCommand(sql, paths, flags, io));
    });

  program
    .command('queries')
    .description('list the saved queries (sql/queries) with their descriptions and params, for query --saved')
    .addOption(formatOption())
    .action(async (flags) => {
      const { savedQueriesCommand } = await import('./query');
      setExit(await savedQueriesCommand(flags, io));
    });

  program
    .command('inventory')
    .description(
      'turn `aws ec2 describe-network-interfaces` JSON dumps into ENI inventory files (for --inventory and the S3 layout)',
    )
    .argument('<dump...>', 'JSON files written by `aws ec2 describe-network-interfaces --output json`')
    .requiredOption(
      '--out <dir>',
      'root folder; files go under <dir>/eni-inventory/<account>/<region>/yyyy/MM/dd/HH/',
    )
    .option('--snapshot-time <iso>', 'when the dump was taken (ISO-8601, UTC when no zone); default: now')
    .option('--format <format>', 'file format: jsonl.gz or parquet', 'jsonl.gz')
    .option('--region <region>', "region of the dump; default: from each interface's AvailabilityZone")
    .option(
      '--account <id>',
      'account of the dump, for interfaces without OwnerId; with --region, an empty dump writes an empty snapshot',
    )
    .action(async (files: string[], flags) => {
      const { inventoryCommand } = await import('./inventory');
      setExit(await inventoryCommand(files, flags, io));
    });

  return program;
}

/** Run the CLI; resolves to the process exit code. Every error is a message, not a stack trace. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code = EXIT_OK;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end "successfully"; commander already printed its message.
      if (e.exitCode === 0) return EXIT_OK;
      if (e.code === 'commander.help' || e.code === 'commander.helpDisplayed') return EXIT_OK;
      return EXIT_USAGE;
    }
    return reportError(e, io);
  }
}

function reportError(e: unknown, io: Io): number {
  const err = e as Error;
  // Input problems (missing path, unknown field, broken detection file) are the user's to fix.
  const known = [
    'UsageError',
    'InputError',
    'UnknownFieldError',
    'DetectionFileError',
    'DuckDbQueryError',
    'InventoryInputError',
    'InventoryReadError',
    'ThreatIntelFileError',
    'SavedQueryError',
  ];
  if (e instanceof UsageError || known.includes(err?.name)) {
    io.err(`flowwatch: ${err.message}`);
    return EXIT_USAGE;
  }
  io.err(`flowwatch: unexpected error: ${err?.stack ?? String(e)}`);
  return EXIT_USAGE;
}
