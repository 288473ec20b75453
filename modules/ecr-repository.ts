import { Construct } from 'constructs';
import { EcrLifecyclePolicy } from '@cdktf/provider-aws/lib/ecr-lifecycle-policy';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository';

export interface ServiceRepositoryProps {
  readonly name: string;
  /**
   * Images the lifecycle policy keeps; older ones expire (Security Hub ECR.3).
   * @default 30
   */
  readonly keepImages?: number;
  /**
   * KMS key for image encryption.
   * @default - the AWS-managed `aws/ecr` key
   */
  readonly kmsKeyArn?: string;
}

/**
 * A private ECR repository for one service: immutable tags, so a tag always means the same
 * image and a rollout is a new tag (ECR.2); scan on push (ECR.1); KMS encryption; a
 * lifecycle policy (ECR.3). Repositories with images are not force-deleted.
 */
export class ServiceRepository extends Construct {
  readonly repository: EcrRepository;

  constructor(scope: Construct, id: string, props: ServiceRepositoryProps) {
    super(scope, id);
    this.repository = new EcrRepository(this, 'repository', {
      name: props.name,
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: 'KMS', kmsKey: props.kmsKeyArn }],
      forceDelete: false,
    });
    new EcrLifecyclePolicy(this, 'lifecycle', {
      repository: this.repository.name,
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: `Keep the last ${props.keepImages ?? 30} images`,
            selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: props.keepImages ?? 30 },
            action: { type: 'expire' },
          },
        ],
      }),
    });
  }
}
