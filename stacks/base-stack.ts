import { Construct } from 'constructs';
import { S3Backend, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import type { ResolvedConfig, ResolvedEnvironment } from '../config/validate';
import { addGuardrails } from '../modules/guardrails';
import { stateKey, stateKmsKeyId, stateWorkspaceKeyPrefix } from '../modules/state-naming';
import { ProviderAccountProps, providerAccountConfig } from './provider-account';

/** Terraform CLI versions the synthesized stacks accept: S3 lock files (`use_lockfile`) need 1.10. */
export const REQUIRED_TERRAFORM_VERSION = '>= 1.10';

export interface BaseStackProps {
  readonly config: ResolvedConfig;
  /** The environment the stack belongs to; undefined for account-wide stacks (the state bootstrap). */
  readonly environment?: string;
  readonly region: string;
  /** Role the backend assumes for the state bucket. @default - the caller's credentials */
  readonly stateRoleArn?: string;
  /**
   * The account every AWS provider of the stack is pinned to and the role it assumes there.
   * @default - not pinned, no role: the caller's credentials, whatever account they are in
   */
  readonly access?: ProviderAccountProps;
  /** Tags on every resource of the stack (merged over the project's tags). @default {} */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * Keep state in the S3 bucket. The bootstrap stack sets this to false until the bucket exists
   * and then declares its own (local) backend.
   * @default true
   */
  readonly remoteState?: boolean;
}

/** The base props of a stack that belongs to `environment`: its region, state role and tags. */
export function environmentStackProps(config: ResolvedConfig, environment: ResolvedEnvironment, extraTags: Record<string, string> = {}): BaseStackProps {
  return {
    config,
    environment: environment.name,
    region: environment.region,
    stateRoleArn: environment.stateRoleArn,
    access: environment.access,
    tags: { ...environment.tags, ...extraTags },
  };
}

/**
 * What every stack of the project shares: the pinned Terraform version, the AWS provider
 * (region, default tags, and the account it may act in and the role it assumes there;
 * credentials come from the environment, never from code) and the S3 backend with a key
 * unique to the stack, `<env>/<stack>.tfstate`.
 */
export abstract class BaseStack extends TerraformStack {
  readonly region: string;
  /** `allowed_account_ids` and `assume_role` for every AWS provider of the stack (aliases too). */
  readonly providerAccount: ReturnType<typeof providerAccountConfig>;

  protected constructor(scope: Construct, name: string, props: BaseStackProps) {
    super(scope, name);
    this.region = props.region;
    // Synth fails when code or an escape hatch breaks a secure default (docs/guardrails.md).
    addGuardrails(this);
    this.addOverride('terraform.required_version', REQUIRED_TERRAFORM_VERSION);

    this.providerAccount = providerAccountConfig(props.config.project, name, props.access ?? {});
    new AwsProvider(this, 'aws', {
      region: props.region,
      ...this.providerAccount,
      defaultTags: [
        {
          tags: {
            Project: props.config.project,
            ...(props.environment ? { Environment: props.environment } : {}),
            Stack: name,
            ManagedBy: 'cdktf',
            ...props.config.tags,
            ...props.tags,
          },
        },
      ],
    });

    if (props.remoteState ?? true) {
      const state = props.config.state;
      // Everything here comes from the configuration and nothing is a credential: endpoints,
      // profiles and skip flags belong to `-backend-config` at init (docs/remote-state.md).
      const backend = new S3Backend(this, {
        bucket: state.bucket,
        key: stateKey(props.environment, name),
        region: state.region,
        encrypt: true,
        // With SSE-KMS, name the bootstrap's key: `encrypt` alone makes Terraform send AES256.
        kmsKeyId: state.encryption === 'kms' ? stateKmsKeyId(state) : undefined,
        // With per-environment grants (state.account), keep workspaces under `<env>/` too.
        workspaceKeyPrefix: stateWorkspaceKeyPrefix(state, props.environment),
        dynamodbTable: state.lockTable,
        assumeRole: props.stateRoleArn ? { roleArn: props.stateRoleArn } : undefined,
      });
      // S3-native locking (Terraform >= 1.10); cdktf 0.21's S3Backend has no property for it.
      backend.addOverride('use_lockfile', true);
    }
  }
}
