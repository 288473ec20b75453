/**
 * IAM policy documents as plain objects, rendered with JSON.stringify so the synthesized
 * JSON stays readable for reviewers and scanners (tokens inside still resolve).
 */
import { Construct } from 'constructs';
import { Fn, TerraformLocal } from 'cdktf';

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: '*' | Record<string, string | string[]>;
  readonly Action: string | string[];
  readonly Resource?: string | string[];
  /** Every resource except these (in Deny statements: "anything outside"). */
  readonly NotResource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export function policyDocument(...statements: PolicyStatement[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/**
 * A role trust policy for an AWS service, limited to this account with `aws:SourceAccount`
 * (confused-deputy protection). The account id is taken from an ARN the stack already has,
 * so no `aws_caller_identity` lookup (which needs AWS credentials) is required.
 */
export function serviceTrustPolicy(service: string, accountId: string): string {
  return policyDocument({
    Effect: 'Allow',
    Principal: { Service: service },
    Action: 'sts:AssumeRole',
    Condition: { StringEquals: { 'aws:SourceAccount': accountId } },
  });
}

/**
 * The account id field of an ARN (`arn:partition:service:region:ACCOUNT:...`), as a
 * Terraform local, so that policy JSON refers to `${local.x}` instead of embedding a
 * function call (whose quotes would make the synthesized policy text unreadable as JSON).
 */
export function accountIdOf(scope: Construct, arn: string): string {
  return new TerraformLocal(scope, 'account-id', Fn.element(Fn.split(':', arn), 4)).asString;
}
