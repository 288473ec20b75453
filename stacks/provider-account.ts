/**
 * Which AWS account a stack's providers may act in, and how they get there: the arguments
 * (`allowed_account_ids`, `assume_role`) every AWS provider block of an environment's stacks
 * carries, the CloudFront us-east-1 alias included.
 */
import type { AwsProviderConfig } from '@cdktf/provider-aws/lib/provider';

export interface ProviderAccountProps {
  /**
   * The only account the provider may act in: Terraform refuses to plan or apply when the
   * credentials (after assuming the role) belong to another.
   * @default - not pinned: any account the credentials reach
   */
  readonly account?: string;
  /** Role to assume in `account`. @default - none: the caller's credentials are used as they are */
  readonly deployRole?: { readonly arn: string; readonly externalId?: string };
}

/** IAM's RoleSessionName: 2-64 characters of letters, digits and `+=,.@-_`. */
const SESSION_NAME_MAX = 64;

/**
 * The session name a stack's provider assumes its role with, `<project>-<stack>`, so
 * CloudTrail shows which stack made a call. Characters IAM refuses become `-`, and the name
 * is cut to 64 characters.
 */
export function deploySessionName(project: string, stack: string): string {
  return `${project}-${stack}`.replace(/[^\w+=,.@-]/g, '-').slice(0, SESSION_NAME_MAX);
}

/** The provider arguments for `props`: none when the account is not pinned and no role is set. */
export function providerAccountConfig(project: string, stack: string, props: ProviderAccountProps): Pick<AwsProviderConfig, 'allowedAccountIds' | 'assumeRole'> {
  return {
    ...(props.account ? { allowedAccountIds: [props.account] } : {}),
    ...(props.deployRole
      ? {
          assumeRole: [
            {
              roleArn: props.deployRole.arn,
              sessionName: deploySessionName(project, stack),
              ...(props.deployRole.externalId ? { externalId: props.deployRole.externalId } : {}),
            },
          ],
        }
      : {}),
  };
}
