import { Construct } from 'constructs';
import { DataAwsEcrImage } from '@cdktf/provider-aws/lib/data-aws-ecr-image';
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
  /**
   * The tag the service deploys: `pushedImage` looks it up, so whatever depends on it waits
   * until the tag is in the repository, and fails naming the tag when it is not.
   * @default - no look-up
   */
  readonly tag?: string;
}

/**
 * A private ECR repository for one service: immutable tags, so a tag always means the same
 * image and a rollout is a new tag (ECR.2); scan on push (ECR.1); KMS encryption; a
 * lifecycle policy (ECR.3). Repositories with images are not force-deleted.
 */
export class ServiceRepository extends Construct {
  readonly repository: EcrRepository;
  /**
   * The deployed tag's image. It reads the repository made here, so on a first apply it is
   * read after the repository is created (a plan stays offline) and the apply stops there,
   * with ECR's "image with imageId {imageTag:'<tag>'} does not exist", until the tag is
   * pushed; once the repository exists, a plan of an unpushed tag fails the same way.
   */
  readonly pushedImage?: DataAwsEcrImage;

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
    if (props.tag !== undefined) {
      // depends_on, not the reference alone: the name is known at plan time, and only
      // depends_on defers the read while the repository is still to be created.
      this.pushedImage = new DataAwsEcrImage(this, 'pushed-image', { repositoryName: this.repository.name, imageTag: props.tag, dependsOn: [this.repository] });
    }
  }
}
