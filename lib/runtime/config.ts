import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ENV } from '../constants/env';
import { type Cidr, parseCidr } from '../detection/cidr';
import {
  DETECTIONS_DIR,
  type Detection,
  type DetectionSettings,
  loadDetectionFile,
} from '../detection/registry';

/** Default wait for late flow log files (AWS delivers them about 10 minutes after capture). */
export const DEFAULT_DELIVERY_DELAY_SECONDS = 600;

export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  constructor(variable: string, message: string) {
    super(`environment variable ${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

function required(env: Env, name: string): string {
  const v = env[name]?.trim();
  if (!v) throw new ConfigError(name, 'is required but not set');
  return v;
}

function json(env: Env, name: string, fallback: unknown): unknown {
  const v = env[name]?.trim();
  if (!v) return fallback;
  try {
    return JSON.parse(v);
  } catch (e) {
    throw new ConfigError(name, `is not valid JSON: ${(e as Error).message}`);
  }
}

const SettingsSchema = z
  .object({
    thresholds: z.record(z.string(), z.number().finite()).optional(),
    lists: z.record(z.string(), z.array(z.union([z.string(), z.number()]))).optional(),
  })
  .strict();

/** Find `<id>.sql` in the configured folder, which may hold the files or a detections/ or sql/detections/ folder. */
export function detectionPath(sqlDir: string, id: string): string {
  const candidates = [
    join(sqlDir, `${id}.sql`),
    join(sqlDir, 'detections', `${id}.sql`),
    join(sqlDir, 'sql', 'detections', `${id}.sql`),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found)
    throw new ConfigError(
      ENV.SQL_DIR,
      `no ${id}.sql under '${sqlDir}' (looked for ${candidates.join(', ')})`,
    );
  return found;
}

/** Everything a detection Lambda needs, read and validated once per cold start. */
export interface RunnerConfig {
  readonly detection: Detection;
  readonly settings: DetectionSettings;
  readonly internalCidrs?: readonly Cidr[];
  readonly workgroup: string;
  readonly database: string;
  readonly partitionGranularity: 'hour' | 'day';
  readonly deliveryDelaySeconds: number;
  readonly dedupeTable: string;
  readonly alertTopicArn: string;
  readonly chatbot: boolean;
}

export function loadRunnerConfig(env: Env = process.env): RunnerConfig {
  const id = required(env, ENV.DETECTION_ID);
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(id))
    throw new ConfigError(ENV.DETECTION_ID, `'${id}' is not a detection id`);
  const sqlDir = env[ENV.SQL_DIR]?.trim() || DETECTIONS_DIR;
  const detection = loadDetectionFile(detectionPath(sqlDir, id));
  if (detection.meta.id !== id)
    throw new ConfigError(
      ENV.DETECTION_ID,
      `'${id}' loads ${detection.path}, whose id is '${detection.meta.id}'`,
    );

  const settingsRaw = SettingsSchema.safeParse(json(env, ENV.DETECTION_SETTINGS, {}));
  if (!settingsRaw.success)
    throw new ConfigError(
      ENV.DETECTION_SETTINGS,
      settingsRaw.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
    );

  const cidrsRaw = json(env, ENV.INTERNAL_CIDRS, undefined);
  let internalCidrs: Cidr[] | undefined;
  if (cidrsRaw !== undefined) {
    if (!Array.isArray(cidrsRaw) || !cidrsRaw.every((c) => typeof c === 'string'))
      throw new ConfigError(ENV.INTERNAL_CIDRS, 'must be a JSON array of CIDR strings');
    try {
      internalCidrs = cidrsRaw.map(parseCidr);
    } catch (e) {
      throw new ConfigError(ENV.INTERNAL_CIDRS, (e as Error).message);
    }
  }

  const granularity = env[ENV.PARTITION_GRANULARITY]?.trim() || 'hour';
  if (granularity !== 'hour' && granularity !== 'day')
    throw new ConfigError(ENV.PARTITION_GRANULARITY, `'${granularity}' must be 'hour' or 'day'`);

  const delayText = env[ENV.DELIVERY_DELAY_SECONDS]?.trim();
  const delay =
    delayText === undefined || delayText === '' ? DEFAULT_DELIVERY_DELAY_SECONDS : Number(delayText);
  if (!Number.isInteger(delay) || delay < 0 || delay > 86_400)
    throw new ConfigError(
      ENV.DELIVERY_DELAY_SECONDS,
      `'${delayText}' must be whole seconds between 0 and 86400`,
    );

  const chatbot = env[ENV.CHATBOT_ENABLED]?.trim().toLowerCase() ?? 'false';
  if (chatbot !== 'true' && chatbot !== 'false')
    throw new ConfigError(ENV.CHATBOT_ENABLED, `'${chatbot}' must be 'true' or 'false'`);

  return {
    detection,
    settings: settingsRaw.data,
    internalCidrs,
    workgroup: required(env, ENV.WORKGROUP),
    database: required(env, ENV.DATABASE),
    partitionGranularity: granularity,
    deliveryDelaySeconds: delay,
    dedupeTable: required(env, ENV.DEDUPE_TABLE),
    alertTopicArn: required(env, ENV.ALERT_TOPIC_ARN),
    chatbot: chatbot === 'true',
  };
}

/** The Slack notifier's one setting. */
export function loadSlackConfig(env: Env = process.env): { secretArn: string } {
  return { secretArn: required(env, ENV.SLACK_SECRET_ARN) };
}
