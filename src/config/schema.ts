import { join } from 'node:path';
import { z } from 'zod';
import { stateDir } from '../util/user-dirs.ts';
import { parseSchedule } from './schedule.ts';

/**
 * The one description of gh2cc's configuration: every file key, its type, default and the environment
 * variable that can set it (in `ENV_KEYS`). Secrets never have defaults.
 */
const url = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });
const nonEmpty = z.string().min(1, 'must not be empty');
const schedule = z.string().superRefine((value, ctx) => {
  const problem = parseSchedule(value).problem;
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});
const byteSize = z.union([z.number().int().positive(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB)?$/i.exec(value.trim());
  if (m === null) {
    ctx.addIssue({ code: 'custom', message: 'expected a size such as 500MB or 20GB' });
    return z.NEVER;
  }
  const units: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 };
  return Math.round(Number(m[1]) * (units[(m[2] ?? 'B').toUpperCase()] ?? 1));
});

/** A duration as users write it (`30s`, `2m`, `500ms`, `30d`; a bare number is seconds), in milliseconds. */
const duration = z.union([z.number().positive(), z.string()]).transform((value, ctx) => {
  const text = typeof value === 'number' ? `${value}s` : value.trim();
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/i.exec(text);
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const millis = m === null ? NaN : Number(m[1]) * (unit[(m[2] ?? 's').toLowerCase()] ?? 1000);
  if (!(millis >= 100)) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration of at least 100ms, such as 30s or 2m' });
    return z.NEVER;
  }
  return Math.round(millis);
});

const divergencePolicy = z.enum(['alert', 'overwrite']);

export const GitAuthSchema = z.enum(['sigv4', 'https-git-credentials', 'ssh']);

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const ConfigSchema = z
  .object({
    github: z
      .object({
        apiUrl: url
          .default('https://api.github.com')
          .describe(
            'GitHub REST base URL (Enterprise Server: https://HOST/api/v3, or GH_HOST=HOST as for gh)',
          ),
        token: nonEmpty
          .optional()
          .describe(
            'GitHub token (secret; prefer GH_TOKEN/GITHUB_TOKEN, or GH_ENTERPRISE_TOKEN for an Enterprise Server: see config/github-env.ts)',
          ),
        appId: z.coerce.number().int().positive().optional().describe('GitHub App id (instead of a token)'),
        appPrivateKey: nonEmpty
          .optional()
          .describe("the GitHub App's private key: the PEM itself or the path of the .pem file (secret)"),
        appInstallationId: z.coerce
          .number()
          .int()
          .positive()
          .optional()
          .describe("the App's installation id; looked up for the org (or user) when absent"),
        org: nonEmpty.optional().describe('organization to migrate/mirror'),
        user: nonEmpty.optional().describe('user whose repositories to migrate (instead of org)'),
        timeout: duration
          .default(30_000)
          .describe('how long one GitHub REST request may take, answer included (e.g. 30s)'),
      })
      .strict()
      .prefault({}),
    aws: z
      .object({
        region: z
          .string()
          .regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, 'expected an AWS region such as us-east-1')
          .optional()
          .describe('--region; default: the region of aws.profile in ~/.aws/config (AWS_CONFIG_FILE)'),
        profile: nonEmpty
          .optional()
          .describe(
            '--profile: a profile of ~/.aws/config and ~/.aws/credentials (keys, role_arn + source_profile, mfa_serial, SSO, credential_process)',
          ),
        assumeRoleArn: z
          .string()
          .regex(
            /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/,
            'expected an IAM role ARN (arn:aws:iam::123456789012:role/NAME)',
          )
          .optional(),
        externalId: nonEmpty.optional(),
        mfaSerial: nonEmpty
          .optional()
          .describe(
            'with assumeRoleArn: the MFA device (arn:aws:iam::ACCOUNT:mfa/NAME) whose code AssumeRole needs',
          ),
        mfaCode: z
          .string()
          .regex(/^\d{6}$/, 'expected the 6-digit code the MFA device shows')
          .optional()
          .describe(
            'the current MFA code, for runs without a terminal to ask on (secret; GH2CC_MFA_CODE is safer than --mfa-code, which other users see in ps)',
          ),
        caBundle: nonEmpty
          .optional()
          .describe(
            "PEM file of CA certificates trusted for every AWS API request besides Node's (a TLS-inspecting proxy); default: the profile's ca_bundle",
          ),
        timeout: duration
          .default(30_000)
          .describe(
            'how long one AWS API request (CodeCommit, STS) may wait to connect or for its answer (e.g. 30s)',
          ),
        endpoints: z
          .object({
            codecommit: url.optional(),
            iam: url.optional(),
            sns: url.optional(),
            sts: url.optional(),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    codecommit: z
      .object({
        gitUrl: url
          .optional()
          .describe('base of the git endpoint; default https://git-codecommit.<region>.amazonaws.com'),
        gitAuth: GitAuthSchema.default('sigv4'),
        gitUsername: nonEmpty
          .optional()
          .describe('HTTPS Git credentials user name (gitAuth https-git-credentials)'),
        gitPassword: nonEmpty.optional().describe('HTTPS Git credentials password (secret)'),
        sshKeyId: nonEmpty.optional().describe('IAM SSH key id (gitAuth ssh)'),
        kmsKeyId: nonEmpty.optional(),
      })
      .strict()
      .superRefine((cc, ctx) => {
        // A git authentication mode without its credentials is reported when loading, not at the first push.
        const missing =
          cc.gitAuth === 'ssh'
            ? (['sshKeyId'] as const)
            : cc.gitAuth === 'https-git-credentials'
              ? (['gitUsername', 'gitPassword'] as const)
              : [];
        for (const key of missing.filter((k) => cc[k] === undefined)) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message:
              key === 'sshKeyId'
                ? 'required when gitAuth is ssh: the SSH key id (APKA…) of the IAM user the key is uploaded to'
                : "required when gitAuth is https-git-credentials: the IAM user's HTTPS Git credentials for CodeCommit",
          });
        }
      })
      .prefault({}),
    redis: z
      .object({
        url: z
          .string()
          .regex(/^(rediss?|unix):\/\//, 'expected redis://, rediss:// or unix:// URL')
          .optional(),
        prefix: z
          .string()
          .regex(/^\{[^{}]+\}$/, 'expected a Redis Cluster hash tag such as {gh2cc}')
          .default('{gh2cc}')
          .describe('key prefix of every queue and lock; one hash tag keeps them in one cluster slot'),
        cluster: z
          .union([
            z.boolean(),
            z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1'),
          ])
          .default(false)
          .describe(
            'Redis Cluster (ElastiCache cluster mode): redis.url names one or more seed nodes, comma-separated',
          ),
      })
      .strict()
      .prefault({}),
    webhook: z
      .object({
        secret: nonEmpty
          .optional()
          .describe(
            'GitHub webhook secret(s), comma-separated while rotating; without one the webhook endpoint is off (secret)',
          ),
        path: z
          .string()
          .regex(/^\/[A-Za-z0-9._~/-]*$/, 'an absolute URL path such as /webhooks/github')
          .default('/webhooks/github')
          .describe('URL path of the webhook endpoint'),
      })
      .strict()
      .prefault({}),
    server: z
      .object({
        port: z.coerce.number().int().min(0).max(65535).default(8080).describe('HTTP port of serve/daemon'),
        host: z.string().min(1).default('0.0.0.0').describe('HTTP listen address of serve/daemon'),
        trustProxy: z
          .union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true'), z.string().min(1)])
          .default(false)
          .describe(
            "behind a load balancer: true, or the proxies' addresses/CIDRs (comma-separated), so client IPs and protocol are the original ones",
          ),
      })
      .strict()
      .prefault({}),
    status: z
      .object({
        enabled: z
          .union([
            z.boolean(),
            z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1'),
          ])
          .default(true)
          .describe('serve the read-only status page (serve/daemon); false: its paths answer 404'),
        path: z
          .string()
          .regex(/^\/([A-Za-z0-9._~-]+\/)*$/, 'an absolute URL path ending in /, such as / or /status/')
          .default('/')
          .describe('URL path of the status page; repository pages are under <path>repos/'),
        token: z
          .string()
          .min(16, 'at least 16 characters (e.g. openssl rand -hex 32)')
          .optional()
          .describe(
            'required to see the status page: Authorization: Bearer <token>, or as the basic-auth password (secret)',
          ),
        user: nonEmpty.optional().describe('basic-auth user name required to see the status page'),
        password: z
          .string()
          .min(8, 'at least 8 characters')
          .optional()
          .describe('basic-auth password required to see the status page, with status.user (secret)'),
      })
      .strict()
      .superRefine((status, ctx) => {
        if ((status.user === undefined) !== (status.password === undefined)) {
          ctx.addIssue({
            code: 'custom',
            path: [status.user === undefined ? 'user' : 'password'],
            message: 'basic auth needs both status.user and status.password: set both, or neither',
          });
        }
      })
      .prefault({}),
    daemon: z
      .object({
        reconcileEvery: schedule
          .default('15m')
          .describe('org reconcile schedule: a duration (30s, 15m, 1h) or a cron expression'),
        driftEvery: schedule.default('1h').describe('drift check schedule: a duration or a cron expression'),
        concurrency: z.coerce
          .number()
          .int()
          .min(1)
          .max(64)
          .default(4)
          .describe('jobs at once per worker process'),
        jobAttempts: z.coerce
          .number()
          .int()
          .min(1)
          .max(100)
          .default(5)
          .describe('tries of a sync job before the repository is marked failing'),
        jobBackoff: schedule
          .default('2s')
          .describe('first wait before a failed sync job is tried again (doubles each time, with jitter)'),
      })
      .strict()
      .prefault({}),
    iam: z
      .object({
        userMap: z
          .string()
          .min(1)
          .optional()
          .describe(
            'YAML file mapping GitHub logins to IAM users, role ARNs or Identity Center permission sets',
          ),
        path: z
          .string()
          .regex(/^\/([\w+=,.@-]+\/)*$/, 'expected an IAM path such as /gh2cc/ (starts and ends with /)')
          .default('/gh2cc/')
          .describe("IAM path of gh2cc's groups and policies; the org's name is added below it"),
        groupName: z
          .string()
          .regex(/^[\w+=,.@{}-]*$/, 'IAM names allow letters, digits and + = , . @ _ -')
          .refine((t) => t.includes('{team}'), { error: 'the template must contain {team}' })
          .default('gh2cc-{org}-{team}')
          .describe("name of each team's group ({org}, {team}); its policies are the name plus -1, -2, …"),
        mode: z
          .enum(['auto', 'arn', 'tag'])
          .default('auto')
          .describe('team access by repository ARNs, by repository tags, or ARNs while they fit (auto)'),
        maxPoliciesPerGroup: z.coerce
          .number()
          .int()
          .min(1)
          .max(10, 'IAM allows 10 managed policies per group')
          .default(10)
          .describe('managed policies one team may use before auto switches it to tag-based access'),
        accountId: z
          .string()
          .regex(/^\d{12}$/, 'expected a 12-digit AWS account id')
          .optional()
          .describe(
            "the account of the IAM and CodeCommit resources; default: gh2cc's own (sts:GetCallerIdentity)",
          ),
        every: schedule
          .optional()
          .describe('daemon: IAM reconcile schedule (needs iam.userMap); team webhooks also trigger one'),
      })
      .strict()
      .prefault({}),
    notify: z
      .object({
        snsTopicArn: z
          .string()
          .regex(/^arn:aws[a-z-]*:sns:[^:]+:\d{12}:.+$/, 'expected an SNS topic ARN')
          .optional(),
        driftReminder: duration
          .optional()
          .describe(
            'tell again about drift still there this long after the last notice (e.g. 24h or 7d); default: once',
          ),
        codecommitTriggers: z
          .union([
            z.boolean(),
            z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1'),
          ])
          .default(false)
          .describe(
            'put a trigger (gh2cc-drift) on each mirrored CodeCommit repository that publishes every reference change to snsTopicArn, so direct pushes to CodeCommit are reported by AWS itself',
          ),
        secretScan: z
          .union([
            z.boolean(),
            z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1'),
          ])
          .default(false)
          .describe(
            "scan the commits each sync adds to CodeCommit for committed credentials (secretlint's recommended rules: AWS secret keys, private keys, GitHub tokens…) and send secret-detected with commit, path, line and rule, never the secret",
          ),
      })
      .strict()
      .superRefine((notify, ctx) => {
        if (notify.codecommitTriggers && notify.snsTopicArn === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['snsTopicArn'],
            message:
              'required when codecommitTriggers is on (the topic the CodeCommit triggers publish to): set it, or turn codecommitTriggers off',
          });
        }
      })
      .prefault({}),
    mirror: z
      .object({
        cacheDir: nonEmpty
          // loadConfig sets it from the environment it is given; this covers the schema used on its own.
          .default(() => join(stateDir(process.env), 'cache'))
          .describe('local mirror cache; default $XDG_STATE_HOME/gh2cc/cache (~/.local/state/gh2cc/cache)'),
        maxRefsPerPush: z.coerce
          .number()
          .int()
          .min(1)
          .max(4000, 'CodeCommit refuses more than 4,000 ref updates in one push')
          .default(4000),
        incrementCommits: z.coerce.number().int().min(1).default(1000),
        retries: z.coerce
          .number()
          .int()
          .min(0)
          .max(20)
          .default(5)
          .describe('retries of one transient failure (throttling, 5xx, reset) inside a step, with backoff'),
        cacheMaxBytes: byteSize
          .optional()
          .describe('size cap of the mirror cache (e.g. 20GB); least recently synced repos are evicted'),
        gitLowSpeedLimit: z.coerce
          .number()
          .int()
          .min(1)
          .default(1000)
          .describe('git over HTTP(S): bytes per second below which a transfer counts as stalled'),
        onDivergence: divergencePolicy
          .default('alert')
          .describe(
            "a ref changed in CodeCommit outside gh2cc: alert (leave it, notify) or overwrite (back its tip up under refs/heads/gh2cc-backup/, then make it GitHub's)",
          ),
        onDivergenceFor: z
          .record(nonEmpty, divergencePolicy)
          .default({})
          .describe(
            'per-repository onDivergence: glob of owner/name (or of the name alone) → alert|overwrite; the first matching entry wins',
          ),
        backupRetention: duration
          .default(30 * 86_400_000)
          .describe(
            'how long backup refs (tips replaced by an overwrite, a GitHub force-push or deletion) are kept, e.g. 30d',
          ),
        gitLowSpeedTime: duration
          .default(120_000)
          .describe(
            'git over HTTP(S): how long a transfer may stay below gitLowSpeedLimit before git gives up (e.g. 2m)',
          ),
      })
      .strict()
      .prefault({}),
    migrate: z
      .object({
        include: z.array(nonEmpty).default([]).describe('glob patterns of repo names to migrate'),
        exclude: z.array(nonEmpty).default([]),
        topics: z.array(nonEmpty).default([]).describe('keep repos carrying any of these topics'),
        visibility: z.array(z.enum(['public', 'private', 'internal'])).default([]),
        skipArchived: z.boolean().default(false),
        skipForks: z.boolean().default(false),
        skipEmpty: z.boolean().default(false),
        pushedSince: z.iso.date({ error: 'expected a date YYYY-MM-DD' }).optional(),
        naming: z
          .object({
            template: z
              .string()
              .includes('{name}', { error: 'the template must contain {name}' })
              .default('{name}'),
            prefix: z.string().default(''),
            suffix: z.string().default(''),
            renames: z.record(z.string(), z.string()).default({}),
          })
          .strict()
          .prefault({}),
        concurrency: z.coerce.number().int().min(1).max(64).default(4),
        verify: z.enum(['refs', 'deep']).default('refs'),
        wikis: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z.enum(LOG_LEVELS).default('info'),
        dir: nonEmpty
          .optional()
          .describe(
            'folder of the detailed logs of migrate, verify, drift and iam; default $XDG_STATE_HOME/gh2cc/logs (~/.local/state/gh2cc/logs)',
          ),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

/** Environment variables and the config key each one sets. Environment values win over the file. */
export const ENV_KEYS: Readonly<Record<string, string>> = {
  GITHUB_TOKEN: 'github.token',
  GITHUB_API_URL: 'github.apiUrl',
  GH2CC_ORG: 'github.org',
  GH2CC_USER: 'github.user',
  AWS_REGION: 'aws.region',
  AWS_PROFILE: 'aws.profile',
  GH2CC_ASSUME_ROLE_ARN: 'aws.assumeRoleArn',
  GH2CC_ASSUME_ROLE_EXTERNAL_ID: 'aws.externalId',
  GH2CC_MFA_SERIAL: 'aws.mfaSerial',
  GH2CC_MFA_CODE: 'aws.mfaCode',
  AWS_CA_BUNDLE: 'aws.caBundle',
  AWS_ENDPOINT_URL_CODECOMMIT: 'aws.endpoints.codecommit',
  AWS_ENDPOINT_URL_IAM: 'aws.endpoints.iam',
  AWS_ENDPOINT_URL_SNS: 'aws.endpoints.sns',
  AWS_ENDPOINT_URL_STS: 'aws.endpoints.sts',
  GH2CC_CODECOMMIT_GIT_URL: 'codecommit.gitUrl',
  GH2CC_GIT_AUTH: 'codecommit.gitAuth',
  GH2CC_GIT_USERNAME: 'codecommit.gitUsername',
  GH2CC_GIT_PASSWORD: 'codecommit.gitPassword',
  GH2CC_SSH_KEY_ID: 'codecommit.sshKeyId',
  GH2CC_KMS_KEY_ID: 'codecommit.kmsKeyId',
  REDIS_URL: 'redis.url',
  GH2CC_REDIS_PREFIX: 'redis.prefix',
  GH2CC_WEBHOOK_SECRET: 'webhook.secret',
  GITHUB_APP_ID: 'github.appId',
  GITHUB_APP_PRIVATE_KEY: 'github.appPrivateKey',
  GITHUB_APP_INSTALLATION_ID: 'github.appInstallationId',
  GH2CC_PORT: 'server.port',
  GH2CC_HOST: 'server.host',
  GH2CC_TRUST_PROXY: 'server.trustProxy',
  GH2CC_STATUS_ENABLED: 'status.enabled',
  GH2CC_STATUS_PATH: 'status.path',
  GH2CC_STATUS_TOKEN: 'status.token',
  GH2CC_STATUS_USER: 'status.user',
  GH2CC_STATUS_PASSWORD: 'status.password',
  GH2CC_WEBHOOK_PATH: 'webhook.path',
  GH2CC_REDIS_CLUSTER: 'redis.cluster',
  GH2CC_RECONCILE_EVERY: 'daemon.reconcileEvery',
  GH2CC_DRIFT_EVERY: 'daemon.driftEvery',
  GH2CC_CACHE_MAX_BYTES: 'mirror.cacheMaxBytes',
  GH2CC_RETRIES: 'mirror.retries',
  GH2CC_ON_DIVERGENCE: 'mirror.onDivergence',
  GH2CC_BACKUP_RETENTION: 'mirror.backupRetention',
  GH2CC_JOB_ATTEMPTS: 'daemon.jobAttempts',
  GH2CC_JOB_BACKOFF: 'daemon.jobBackoff',
  GH2CC_SNS_TOPIC_ARN: 'notify.snsTopicArn',
  GH2CC_DRIFT_REMINDER: 'notify.driftReminder',
  GH2CC_CODECOMMIT_TRIGGERS: 'notify.codecommitTriggers',
  GH2CC_SECRET_SCAN: 'notify.secretScan',
  GH2CC_IAM_USER_MAP: 'iam.userMap',
  GH2CC_IAM_PATH: 'iam.path',
  GH2CC_IAM_MODE: 'iam.mode',
  GH2CC_IAM_ACCOUNT_ID: 'iam.accountId',
  GH2CC_IAM_EVERY: 'iam.every',
  GH2CC_CACHE_DIR: 'mirror.cacheDir',
  GH2CC_LOG_LEVEL: 'log.level',
  GH2CC_LOG_DIR: 'log.dir',
  GH2CC_GITHUB_TIMEOUT: 'github.timeout',
  GH2CC_AWS_TIMEOUT: 'aws.timeout',
  GH2CC_GIT_LOW_SPEED_LIMIT: 'mirror.gitLowSpeedLimit',
  GH2CC_GIT_LOW_SPEED_TIME: 'mirror.gitLowSpeedTime',
};

/** Keys whose values are secrets: registered with the sanitizer on load, never printed. */
export const SECRET_KEYS = [
  'github.token',
  'github.appPrivateKey',
  'codecommit.gitPassword',
  'webhook.secret',
  'status.token',
  'status.password',
  'aws.mfaCode',
] as const;
