import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';
import type { UserMapping } from '../core/iam-model.ts';
import { ConfigError, Gh2ccError, errorMessage } from '../util/errors.ts';

const iamName = z
  .string()
  .regex(/^[\w+=,.@-]{1,64}$/, 'expected an IAM user name (letters, digits, + = , . @ _ -)');
const entry = z
  .strictObject({
    iamUser: iamName.optional(),
    roleArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/,
        'expected an IAM role ARN (arn:aws:iam::123456789012:role/NAME)',
      )
      .optional(),
    permissionSet: z.string().min(1).max(32).optional(),
  })
  .refine((e) => e.iamUser !== undefined || e.roleArn !== undefined || e.permissionSet !== undefined, {
    message: 'give iamUser, roleArn or permissionSet',
  });

/**
 * The user map file: GitHub login to IAM identity.
 *
 * ```yaml
 * users:
 *   octocat: { iamUser: octocat }
 *   hubot: { roleArn: arn:aws:iam::123456789012:role/ci }
 *   monalisa: { permissionSet: Developers }
 * ```
 */
export const userMapSchema = z.strictObject({ users: z.record(z.string().min(1), entry).default({}) });

export async function loadUserMap(file: string): Promise<Record<string, UserMapping>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Gh2ccError('not-found', `cannot read the IAM user map ${file}: ${errorMessage(err)}`, {
      retryable: false,
      fix: 'set iam.userMap (GH2CC_IAM_USER_MAP) to a YAML file with a `users:` mapping',
    });
  }
  let data: unknown;
  try {
    data = parse(text) ?? {};
  } catch (err) {
    throw new ConfigError([{ path: file, message: `not YAML: ${errorMessage(err)}` }]);
  }
  const parsed = userMapSchema.safeParse(data);
  if (!parsed.success)
    throw new ConfigError(
      parsed.error.issues.map((i) => ({ path: `${file}: ${i.path.join('.')}`, message: i.message })),
    );
  return parsed.data.users;
}
