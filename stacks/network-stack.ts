import { Construct } from 'constructs';
import { TerraformOutput } from 'cdktf';
import type { ResolvedConfig, ResolvedEnvironment } from '../config/validate';
import { suppressGuardrail } from '../modules/guardrails';
import { LogsKey } from '../modules/logs-key';
import { PrivateVpc } from '../modules/private-vpc';
import { VpcEndpoints } from '../modules/vpc-endpoints';
import { VpcFlowLogs } from '../modules/vpc-flow-logs';
import { BaseStack, environmentStackProps } from './base-stack';

export interface NetworkStackProps {
  readonly config: ResolvedConfig;
  readonly environment: ResolvedEnvironment;
}

/**
 * `<env>-network`: the VPC, its subnets and routes, the VPC endpoints that replace a NAT
 * gateway, flow logs, and the KMS key of the environment's log groups when configured (here,
 * as the first stack of the environment, so the service stacks' log groups can use it). Other stacks use its public fields; CDKTF wires those
 * references through this stack's outputs.
 */
export class NetworkStack extends BaseStack {
  readonly vpc: PrivateVpc;
  readonly endpoints: VpcEndpoints;
  readonly flowLogs?: VpcFlowLogs;
  /** The customer managed key of the environment's log groups (`logs.kmsKey`). */
  readonly logsKey?: LogsKey;

  constructor(scope: Construct, props: NetworkStackProps) {
    const env = props.environment;
    super(scope, `${env.name}-network`, environmentStackProps(props.config, env));
    const name = `${props.config.project}-${env.name}`;
    const net = env.network;

    this.vpc = new PrivateVpc(this, 'vpc', {
      name,
      cidr: net.cidr,
      availabilityZones: net.availabilityZones,
      publicSubnetCidrs: net.publicSubnets,
      privateSubnetCidrs: net.privateSubnets,
      natGatewayCount: net.natGatewayCount,
    });

    this.endpoints = new VpcEndpoints(this, 'endpoints', {
      name,
      region: env.region,
      vpcId: this.vpc.vpc.id,
      vpcCidr: net.cidr,
      subnetIds: this.vpc.privateSubnets.map((s) => s.id),
      routeTableIds: this.vpc.privateRouteTables.map((t) => t.id),
      interfaceServices: net.interfaceEndpoints,
      extraS3Buckets: net.s3GatewayBuckets,
    });

    if (env.logs.kmsKey) this.logsKey = new LogsKey(this, 'logs-key', { name });

    if (net.flowLogs.enabled) {
      this.flowLogs = new VpcFlowLogs(this, 'flow-logs', {
        name,
        vpcId: this.vpc.vpc.id,
        retentionDays: net.flowLogs.retentionDays,
        trafficType: net.flowLogs.trafficType,
        kmsKey: this.logsKey && { arn: this.logsKey.key.arn, ready: this.logsKey.policy },
      });
    }
    // Flow logs off, or of accepted traffic only, is a configuration choice, not an escape
    // hatch: the guardrail accepts it with the key as the reason, written into the JSON and
    // printed by the synth.
    const flowLogsKey = `environments.${env.name}.network.flowLogs`;
    if (!net.flowLogs.enabled) suppressGuardrail(this.vpc.vpc, 'vpc-flow-logs', `${flowLogsKey}.enabled is false in the configuration`);
    else if (net.flowLogs.trafficType === 'ACCEPT') suppressGuardrail(this.vpc.vpc, 'vpc-flow-logs', `${flowLogsKey}.trafficType is ACCEPT in the configuration (rejected traffic is not logged)`);

    const outputs: Record<string, { value: unknown; description: string }> = {
      vpc_id: { value: this.vpc.vpc.id, description: 'VPC id' },
      vpc_cidr: { value: this.vpc.vpc.cidrBlock, description: 'VPC CIDR block' },
      availability_zones: { value: net.availabilityZones, description: 'Availability zones, in subnet order' },
      public_subnet_ids: { value: this.vpc.publicSubnets.map((s) => s.id), description: 'Public subnet ids (load balancer), one per zone' },
      private_subnet_ids: { value: this.vpc.privateSubnets.map((s) => s.id), description: 'Private subnet ids (tasks), one per zone' },
      private_route_table_ids: { value: this.vpc.privateRouteTables.map((t) => t.id), description: 'Private route table ids, one per zone' },
      endpoint_security_group_id: { value: this.endpoints.securityGroup.id, description: 'Security group of the interface endpoints' },
      s3_prefix_list_id: { value: this.endpoints.s3GatewayEndpoint.prefixListId, description: 'Prefix list of the S3 gateway endpoint (for task egress rules)' },
      nat_gateway_ids: { value: this.vpc.natGateways.map((n) => n.id), description: 'NAT gateway ids (empty with egress "endpoints")' },
      ...(this.logsKey ? { logs_kms_key_arn: { value: this.logsKey.key.arn, description: "KMS key of the environment's log groups" } } : {}),
    };
    for (const [id, output] of Object.entries(outputs)) new TerraformOutput(this, id, output);
  }
}
