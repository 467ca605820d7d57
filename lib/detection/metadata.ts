import { z } from 'zod';
import { parseDuration } from './duration';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export const SeveritySchema = z.enum(SEVERITIES);
export type Severity = z.infer<typeof SeveritySchema>;

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

const ParamName = z.string().regex(/^[a-z][a-z0-9_]*$/, 'parameter names are lower_snake_case');

const DurationText = z.string().refine(
  (s) => {
    try {
      parseDuration(s);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'a duration such as 15m, 1h or 7d' },
);

/** EventBridge schedule expressions: rate(15 minutes) or cron(0/15 * * * ? *). */
export const ScheduleExpression = z
  .string()
  .regex(
    /^(rate\((1 (minute|hour|day)|([2-9]|[1-9]\d+) (minutes|hours|days))\)|cron\(\S+ \S+ \S+ \S+ \S+ \S+\))$/,
    'an EventBridge schedule expression such as rate(15 minutes) or cron(0 * * * ? *)',
  );

const Threshold = z
  .object({
    default: z.number().finite(),
    description: z.string().min(5),
    min: z.number().optional(),
  })
  .strict();

const ListParam = z
  .object({
    /** port: integers 0-65535; ip: IPv4/IPv6 address; string: anything (bound, never spliced). */
    items: z.enum(['port', 'ip', 'string', 'integer']),
    default: z.array(z.union([z.string(), z.number()])),
    description: z.string().min(5),
  })
  .strict();

export const DetectionMetadataSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'ids are kebab-case'),
    title: z.string().min(3).max(80),
    description: z.string().min(10),
    severity: SeveritySchema,
    /** Default schedule of the detection Lambda. */
    schedule: ScheduleExpression,
    /** How far back each run looks (its window length). */
    lookback: DurationText,
    /** A finding with the same fingerprint inside this period does not alert again. */
    suppression: DurationText.default('24h'),
    thresholds: z.record(ParamName, Threshold).default({}),
    lists: z.record(ParamName, ListParam).default({}),
    /** Result columns that identify "the same finding" (its fingerprint). */
    key_fields: z.array(z.string().regex(/^[a-z_][a-z0-9_]*$/)).min(1),
    mitre: z
      .array(
        z
          .object({
            technique: z.string().regex(/^T\d{4}(\.\d{3})?$/, 'a MITRE ATT&CK technique id such as T1046'),
            name: z.string().min(3),
          })
          .strict(),
      )
      .min(1),
    tags: z.array(z.string()).default([]),
    /** What a responder should do first, in a sentence or three. */
    runbook: z.string().min(20),
  })
  .strict();

export type DetectionMetadata = z.infer<typeof DetectionMetadataSchema>;
