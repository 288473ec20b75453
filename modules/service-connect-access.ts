import { Construct } from 'constructs';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';

export interface ServiceConnectAccessProps {
  /** The calling service (for rule descriptions). */
  readonly callerName: string;
  readonly callerSecurityGroupId: string;
  /** The called internal service (for rule descriptions). */
  readonly calleeName: string;
  readonly calleeSecurityGroupId: string;
  readonly port: number;
}

/**
 * Lets one service call an internal one on its port: egress from the caller's task group and
 * ingress on the callee's. The caller's stack makes both rules, so the callee admits exactly
 * the services that declare they call it and never depends on them.
 */
export class ServiceConnectAccess extends Construct {
  constructor(scope: Construct, id: string, props: ServiceConnectAccessProps) {
    super(scope, id);
    new VpcSecurityGroupEgressRule(this, 'egress', {
      securityGroupId: props.callerSecurityGroupId,
      description: `To ${props.calleeName} (Service Connect)`,
      ipProtocol: 'tcp',
      fromPort: props.port,
      toPort: props.port,
      referencedSecurityGroupId: props.calleeSecurityGroupId,
    });
    new VpcSecurityGroupIngressRule(this, 'ingress', {
      securityGroupId: props.calleeSecurityGroupId,
      description: `From ${props.callerName} (Service Connect)`,
      ipProtocol: 'tcp',
      fromPort: props.port,
      toPort: props.port,
      referencedSecurityGroupId: props.callerSecurityGroupId,
    });
  }
}
