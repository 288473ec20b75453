/**
 * Schemas of the AWS account keys (`environments.<env>.account`, `deployRoleArn`,
 * `deployRoleExternalId`, `state.account`) and the ARN helpers the account rules share.
 */
import { z } from 'zod';
import { iamRoleArnProblem, refinedBy } from './aws-rules';

/**
 * A 12-digit AWS account id, as a YAML string. A YAML number is refused rather than
 * converted: `account: 012345678901` reads as an integer that has lost its leading zero (or
 * as an octal-looking number), so the digits a user wrote cannot be trusted.
 */
export const accountId = z
  .string({
    error: (issue) =>
      typeof issue.input === 'number'
        ? `must be a quoted string of 12 digits (e.g. "012345678901"), got the number ${issue.input}: YAML reads an unquoted id as a number, which drops leading zeros`
        : 'must be a quoted string of 12 digits (an AWS account id, e.g. "012345678901")',
  })
  .regex(/^\d{12}$/, { error: (issue) => `must be a 12-digit AWS account id (e.g. "012345678901"), got ${JSON.stringify(issue.input)}` });

// Kept with the other region facts (aws-rules needs it too); re-exported for the account rules.
export { partitionOf } from './aws-facts';

const ROLE_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role\/([\w+=,.@/-]{1,512})$/;

/** An IAM role ARN in one of the partitions aws, aws-cn, aws-us-gov (role paths allowed). */
export const roleArn = z
  .string()
  .regex(ROLE_ARN, {
    error: 'must be an IAM role ARN: arn:<aws|aws-cn|aws-us-gov>:iam::<12-digit account>:role/<name>',
  })
  .superRefine(refinedBy(iamRoleArnProblem));

/** The partition and account of a role ARN the schema accepted. */
export function parseRoleArn(arn: string): { partition: string; account: string } | undefined {
  const match = ROLE_ARN.exec(arn);
  return match ? { partition: match[1], account: match[2] } : undefined;
}

/** An sts:AssumeRole external id: 2-1224 characters of letters, digits and `+=,.@:/-_`. */
export const externalId = z.string().regex(/^[\w+=,.@:/-]{2,1224}$/, {
  error: 'must be an STS external id: 2 to 1224 letters, digits or the characters + = , . @ : / - _',
});
