import { Construct } from 'constructs';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group';
import { Eip } from '@cdktf/provider-aws/lib/eip';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway';
import { Route } from '@cdktf/provider-aws/lib/route';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';

export interface PrivateVpcProps {
  /** Prefix of the Name tags, e.g. `acme-dev`. */
  readonly name: string;
  /** The VPC CIDR block. */
  readonly cidr: string;
  /** Availability zones; one public and one private subnet is made in each. */
  readonly availabilityZones: readonly string[];
  /** Public subnet CIDRs, one per zone (same order). They host the load balancer only. */
  readonly publicSubnetCidrs: readonly string[];
  /** Private subnet CIDRs, one per zone (same order). They host tasks and interface endpoints. */
  readonly privateSubnetCidrs: readonly string[];
  /**
   * NAT gateways to create: 0 (private subnets get no default route at all), 1 (shared by
   * every zone) or one per zone (each private route table uses its own zone's gateway).
   * @default 0
   */
  readonly natGatewayCount?: number;
}

/**
 * A VPC for private Fargate tasks: DNS support and hostnames on (interface endpoints'
 * private DNS needs both), public subnets routed to an internet gateway for the load
 * balancer, and private subnets with one route table per zone and, by default, no route
 * out of the VPC. No subnet assigns public IPs (Security Hub EC2.15), and the VPC's
 * default security group is taken over and emptied (EC2.2).
 */
export class PrivateVpc extends Construct {
  readonly vpc: Vpc;
  readonly publicSubnets: Subnet[] = [];
  readonly privateSubnets: Subnet[] = [];
  readonly publicRouteTable: RouteTable;
  readonly privateRouteTables: RouteTable[] = [];
  readonly natGateways: NatGateway[] = [];

  constructor(scope: Construct, id: string, props: PrivateVpcProps) {
    super(scope, id);
    const zones = props.availabilityZones;
    if (props.publicSubnetCidrs.length !== zones.length || props.privateSubnetCidrs.length !== zones.length) {
      throw new Error(`PrivateVpc ${props.name}: one public and one private subnet CIDR per availability zone are required`);
    }
    const natGatewayCount = props.natGatewayCount ?? 0;
    if (![0, 1, zones.length].includes(natGatewayCount)) {
      throw new Error(`PrivateVpc ${props.name}: natGatewayCount must be 0, 1 or ${zones.length} (one per zone)`);
    }

    this.vpc = new Vpc(this, 'vpc', {
      cidrBlock: props.cidr,
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: { Name: props.name },
    });

    // Owning the default security group with no rules removes its allow-all rules.
    new DefaultSecurityGroup(this, 'default-sg', {
      vpcId: this.vpc.id,
      tags: { Name: `${props.name}-default-closed` },
    });

    const igw = new InternetGateway(this, 'igw', { vpcId: this.vpc.id, tags: { Name: props.name } });
    this.publicRouteTable = new RouteTable(this, 'public-rt', { vpcId: this.vpc.id, tags: { Name: `${props.name}-public` } });
    new Route(this, 'public-default-route', {
      routeTableId: this.publicRouteTable.id,
      destinationCidrBlock: '0.0.0.0/0',
      gatewayId: igw.id,
    });

    zones.forEach((zone, i) => {
      const suffix = zoneSuffix(zone);
      const publicSubnet = new Subnet(this, `public-${suffix}`, {
        vpcId: this.vpc.id,
        cidrBlock: props.publicSubnetCidrs[i],
        availabilityZone: zone,
        mapPublicIpOnLaunch: false,
        tags: { Name: `${props.name}-public-${suffix}`, Tier: 'public' },
      });
      new RouteTableAssociation(this, `public-${suffix}-rta`, { subnetId: publicSubnet.id, routeTableId: this.publicRouteTable.id });
      this.publicSubnets.push(publicSubnet);

      const privateSubnet = new Subnet(this, `private-${suffix}`, {
        vpcId: this.vpc.id,
        cidrBlock: props.privateSubnetCidrs[i],
        availabilityZone: zone,
        mapPublicIpOnLaunch: false,
        tags: { Name: `${props.name}-private-${suffix}`, Tier: 'private' },
      });
      const privateRouteTable = new RouteTable(this, `private-${suffix}-rt`, {
        vpcId: this.vpc.id,
        tags: { Name: `${props.name}-private-${suffix}` },
      });
      new RouteTableAssociation(this, `private-${suffix}-rta`, { subnetId: privateSubnet.id, routeTableId: privateRouteTable.id });
      this.privateSubnets.push(privateSubnet);
      this.privateRouteTables.push(privateRouteTable);
    });

    for (let i = 0; i < natGatewayCount; i++) {
      const suffix = zoneSuffix(zones[i]);
      const eip = new Eip(this, `nat-${suffix}-eip`, { domain: 'vpc', tags: { Name: `${props.name}-nat-${suffix}` } });
      this.natGateways.push(
        new NatGateway(this, `nat-${suffix}`, {
          allocationId: eip.allocationId,
          subnetId: this.publicSubnets[i].id,
          tags: { Name: `${props.name}-nat-${suffix}` },
          dependsOn: [igw],
        }),
      );
    }
    if (natGatewayCount > 0) {
      this.privateRouteTables.forEach((table, i) => {
        new Route(this, `private-${zoneSuffix(zones[i])}-nat-route`, {
          routeTableId: table.id,
          destinationCidrBlock: '0.0.0.0/0',
          natGatewayId: this.natGateways[natGatewayCount === 1 ? 0 : i].id,
        });
      });
    }
  }
}

/** `ap-northeast-2a` -> `a`: short, stable construct ids and Name tags. */
export function zoneSuffix(zone: string): string {
  return zone.slice(-1);
}
