/**
 * The in-memory network model the preflight reasons about, built from every loaded stack:
 * VPCs, subnets (zone, CIDR), route tables with their associations and routes, NAT and
 * internet gateways, VPC endpoints, security groups with all their rules (standalone rule
 * resources and inline blocks), ECS services with their task definitions, and the load
 * balancer chain (listener / rule -> target group, load balancer and its security groups).
 *
 * Anything that cannot be followed (an expression, a value known only after apply, a stack
 * that was not loaded) is kept as "unresolved" so the checks can say "unknown" instead of
 * guessing.
 */
import { prefixListRanges } from './prefix-lists';
import { Resolver, Scope, Target, targetLiteral } from './refs';
import { Symbols } from './symbolic';
import { block, blocks, configuredValue, isRecord, Json, list, literalBool, literalNumber, literalString, parseTemplateJson, TfResource, TfStack, UNKNOWN } from './tf';

export interface Vpc {
  readonly resource: TfResource;
  readonly cidr?: string;
  /** `enable_dns_support` (provider default true); undefined when unknown. */
  readonly dnsSupport?: boolean;
  /** `enable_dns_hostnames` (provider default false); undefined when unknown. */
  readonly dnsHostnames?: boolean;
}

export interface Subnet {
  readonly resource: TfResource;
  readonly vpc?: Vpc;
  readonly az?: string;
  readonly cidr?: string;
  /** The Name tag, else the address: how reports name it. */
  readonly label: string;
}

export type RouteTarget =
  | { readonly kind: 'nat'; readonly nat?: NatGateway; readonly reason?: string }
  | { readonly kind: 'igw'; readonly igw?: TfResource }
  | { readonly kind: 'other'; readonly what: string }
  | { readonly kind: 'unknown'; readonly reason: string };

export interface Route {
  /** The `aws_route` resource, or the route table for an inline `route` block. */
  readonly resource: TfResource;
  readonly destination?: string;
  readonly target: RouteTarget;
}

export interface RouteTable {
  readonly resource: TfResource;
  readonly routes: Route[];
}

export interface NatGateway {
  readonly resource: TfResource;
  readonly subnet?: Subnet;
  readonly connectivity?: string;
}

export interface Endpoint {
  readonly resource: TfResource;
  readonly vpc?: Vpc;
  readonly serviceName?: string;
  /** The service part of `com.amazonaws.<region>.<service>`, e.g. `ecr.api`. */
  readonly service?: string;
  readonly region?: string;
  /** `vpc_endpoint_type` (provider default `Gateway`). */
  readonly type?: string;
  /** `private_dns_enabled` (provider default false). */
  readonly privateDns?: boolean;
  /**
   * `dns_options.private_dns_only_for_inbound_resolver_endpoint` (default false): private DNS
   * answers only queries from on premises, so the VPC's own clients get the public addresses
   * (and reach S3 through the gateway endpoint). undefined when unknown.
   */
  readonly inboundResolverOnly?: boolean;
  readonly subnets: Subnet[];
  readonly securityGroups: SecurityGroup[];
  readonly routeTables: RouteTable[];
  /** References that could not be followed (subnets, groups, route tables). */
  readonly unresolved: string[];
  readonly policy?: unknown;
}

export interface SgRule {
  /** The rule resource, or the group for an inline rule. */
  readonly resource: TfResource;
  readonly direction: 'ingress' | 'egress';
  /** `-1` for all traffic, else a lowercase protocol name or number. */
  readonly protocol?: string;
  readonly fromPort?: number;
  readonly toPort?: number;
  readonly cidrs: string[];
  readonly ipv6Cidrs: string[];
  readonly groups: SecurityGroup[];
  readonly self: boolean;
  /** Prefix lists, as the resources (or literals) they resolve to. */
  readonly prefixLists: Target[];
  /** IPv4 ranges of the prefix lists whose entries are known (customer-managed lists in the stacks). */
  readonly prefixListCidrs: string[];
  /** Prefix lists that may hold any address (a literal id, entries known only after apply). */
  readonly opaquePrefixLists: string[];
  /** Peers that could not be resolved: the rule may or may not cover a destination. */
  readonly unresolved: string[];
}

export interface SecurityGroup {
  readonly resource: TfResource;
  readonly vpcValue?: unknown;
  readonly ingress: SgRule[];
  readonly egress: SgRule[];
  /** A name for reports: the `name` attribute, else the address. */
  readonly label: string;
}

export interface SecretRef {
  readonly name: string;
  readonly valueFrom: string;
  readonly source: 'secretsmanager' | 'ssm' | 'unknown';
  readonly region?: string;
  /** The secret resource, when `valueFrom` refers to one. */
  readonly resource?: TfResource;
}

export interface Container {
  readonly name?: string;
  /** The image as written (may hold `${...}`). */
  readonly image?: string;
  readonly ports: number[];
  readonly logDriver?: string;
  readonly logOptions: Readonly<Record<string, string>>;
  readonly secrets: SecretRef[];
  /** `repositoryCredentials.credentialsParameter`: a Secrets Manager secret read at start. */
  readonly repositoryCredentials?: SecretRef;
  /** `user` as written; undefined when unset (the image's default user). */
  readonly user?: string;
  /** `essential` (ECS default true); undefined when not a literal. */
  readonly essential?: boolean;
  readonly readonlyRootFilesystem?: boolean;
  readonly mountPoints: MountPoint[];
  readonly dependsOn: ContainerDependency[];
  /** `entryPoint` and `command`, joined: what the container runs, when literal. */
  readonly commandLine: string[];
  /** `linuxParameters.capabilities`, upper case without the CAP_ prefix. */
  readonly capabilities: { readonly add: string[]; readonly drop: string[] };
}

export interface MountPoint {
  readonly sourceVolume?: string;
  readonly containerPath?: string;
  /** `readOnly` (ECS default false). */
  readonly readOnly: boolean;
}

export interface ContainerDependency {
  readonly containerName?: string;
  readonly condition?: string;
}

export interface TaskVolume {
  readonly name?: string;
  /**
   * `bind`: a Fargate bind mount (no host path, EFS, FSx or Docker volume configuration):
   * created root-owned, mode 0755; `other`: storage with its own ownership.
   */
  readonly kind: 'bind' | 'other';
}

export interface TaskDefinition {
  readonly resource: TfResource;
  /** undefined when `container_definitions` is an expression or unknown at plan time. */
  readonly containers?: Container[];
  readonly containersProblem?: string;
  readonly volumes: TaskVolume[];
}

export interface LbAttachment {
  readonly targetGroup?: TargetGroup;
  readonly targetGroupProblem?: string;
  readonly containerName?: string;
  readonly containerPort?: number;
}

export interface TargetGroup {
  readonly resource: TfResource;
  /** `target_type` (provider default `instance`). */
  readonly targetType?: string;
  readonly port?: number;
  readonly healthCheckPort?: string;
}

export interface LoadBalancer {
  readonly resource: TfResource;
  readonly securityGroups: SecurityGroup[];
  readonly subnets: Subnet[];
  readonly unresolved: string[];
}

export interface Listener {
  readonly resource: TfResource;
  readonly loadBalancer?: LoadBalancer;
  readonly protocol?: string;
  readonly port?: number;
}

/** A listener or listener rule that forwards to a target group. */
export interface Forwarder {
  readonly resource: TfResource;
  readonly listener?: Listener;
}

export interface EcsService {
  readonly resource: TfResource;
  readonly name: string;
  readonly stack: TfStack;
  readonly region?: string;
  readonly environment: string;
  readonly subnets: Subnet[];
  readonly securityGroups: SecurityGroup[];
  /** Subnets or groups that could not be resolved. */
  readonly unresolved: string[];
  /** Subnets or groups that the plan deletes: they will not exist after apply. */
  readonly deleted: string[];
  /** The service has a `network_configuration` (awsvpc, as Fargate requires). */
  readonly awsvpc: boolean;
  readonly assignPublicIp?: boolean;
  readonly exec?: boolean;
  readonly serviceConnect?: boolean;
  readonly taskDefinition?: TaskDefinition;
  readonly taskDefinitionProblem?: string;
  readonly loadBalancers: LbAttachment[];
}

const SG_TYPES = ['aws_security_group', 'aws_default_security_group'];
const NAT_TYPES = ['aws_nat_gateway'];
const LB_TYPES = ['aws_lb', 'aws_alb'];
const LISTENER_TYPES = ['aws_lb_listener', 'aws_alb_listener'];
const RULE_TYPES = ['aws_lb_listener_rule', 'aws_alb_listener_rule'];
const TG_TYPES = ['aws_lb_target_group', 'aws_alb_target_group'];

/** The model: entities are built on first use and cached. */
export class Model {
  private readonly cache = new Map<TfResource, unknown>();

  /** Partly known strings (ARNs with `${...}`), shared so one expression is one token everywhere. */
  readonly symbols: Symbols;

  constructor(readonly resolver: Resolver) {
    this.symbols = new Symbols(resolver);
  }

  private memo<T>(resource: TfResource, build: () => T): T {
    if (!this.cache.has(resource)) this.cache.set(resource, build());
    return this.cache.get(resource) as T;
  }

  scope(resource: TfResource): Scope {
    return { stack: resource.stack, address: resource.address };
  }

  services(): EcsService[] {
    return this.resolver.ofType('aws_ecs_service').map((r) => this.service(r));
  }

  vpc(resource: TfResource): Vpc {
    return this.memo(resource, () => ({
      resource,
      cidr: literalString(resource.values.cidr_block),
      dnsSupport: literalBool(resource.values.enable_dns_support, true),
      dnsHostnames: literalBool(resource.values.enable_dns_hostnames, false),
    }));
  }

  vpcOf(resource: TfResource, value: unknown): Vpc | undefined {
    const vpc = this.resolver.resource(this.scope(resource), value, 'aws_vpc');
    return vpc ? this.vpc(vpc) : undefined;
  }

  subnet(resource: TfResource): Subnet {
    return this.memo(resource, () => {
      const tags = isRecord(resource.values.tags) ? resource.values.tags : {};
      return {
        resource,
        vpc: this.vpcOf(resource, resource.values.vpc_id),
        az: literalString(resource.values.availability_zone),
        cidr: literalString(resource.values.cidr_block),
        label: literalString(tags.Name) ?? resource.address,
      };
    });
  }

  securityGroup(resource: TfResource): SecurityGroup {
    const cached = this.cache.get(resource) as SecurityGroup | undefined;
    if (cached) return cached;
    const group: SecurityGroup = {
      resource,
      vpcValue: resource.values.vpc_id,
      ingress: [],
      egress: [],
      label: literalString(resource.values.name) ?? resource.address,
    };
    this.cache.set(resource, group);
    for (const direction of ['ingress', 'egress'] as const) {
      for (const inline of blocks(resource.values[direction])) group[direction].push(this.rule(resource, direction, inline));
    }
    // Standalone rules of every loaded stack that name this group.
    for (const type of ['aws_vpc_security_group_ingress_rule', 'aws_vpc_security_group_egress_rule', 'aws_security_group_rule']) {
      for (const rule of this.resolver.ofType(type)) {
        if (this.resolver.resource(this.scope(rule), rule.values.security_group_id, ...SG_TYPES) !== resource) continue;
        const direction = type === 'aws_security_group_rule' ? (rule.values.type === 'egress' ? 'egress' : 'ingress') : type.endsWith('ingress_rule') ? 'ingress' : 'egress';
        group[direction].push(this.rule(rule, direction, rule.values));
      }
    }
    return group;
  }

  private rule(resource: TfResource, direction: 'ingress' | 'egress', values: Json): SgRule {
    const scope = this.scope(resource);
    const unresolved: string[] = [];
    const protocolValue = values.ip_protocol ?? values.protocol;
    const protocol = literalString(protocolValue)?.toLowerCase() ?? (typeof protocolValue === 'number' ? String(protocolValue) : undefined);
    const cidrs = [...list(values.cidr_ipv4), ...list(values.cidr_blocks)];
    const ipv6 = [...list(values.cidr_ipv6), ...list(values.ipv6_cidr_blocks)];
    const literalCidrs = (values_: unknown[]) =>
      values_.flatMap((v) => {
        const literal = literalString(v);
        if (literal !== undefined) return [literal];
        const resolved = this.resolver.resolve(scope, v).map(targetLiteral);
        if (resolved.every((x) => x !== undefined)) return resolved as string[];
        unresolved.push(`CIDR ${String(v)}`);
        return [];
      });
    const groupRefs = [...list(values.referenced_security_group_id), ...list(values.source_security_group_id), ...list(values.security_groups)];
    const groups: SecurityGroup[] = [];
    for (const target of this.resolver.resolve(scope, groupRefs)) {
      if (target.kind === 'resource' && SG_TYPES.includes(target.resource.type)) groups.push(this.securityGroup(target.resource));
      else unresolved.push(`security group ${target.kind === 'unknown' ? target.reason : target.kind === 'literal' ? String(target.value) : target.resource.address}`);
    }
    const prefixLists = this.resolver.resolve(scope, [...list(values.prefix_list_id), ...list(values.prefix_list_ids)]);
    const ranges = prefixListRanges(this.resolver, prefixLists);
    return {
      resource,
      direction,
      protocol,
      fromPort: literalNumber(values.from_port),
      toPort: literalNumber(values.to_port),
      cidrs: literalCidrs(cidrs),
      ipv6Cidrs: literalCidrs(ipv6),
      groups,
      // `self` exists on inline rules and aws_security_group_rule (not on the aws_vpc_* rules).
      self: literalBool(values.self, false) === true,
      prefixLists,
      prefixListCidrs: ranges.cidrs,
      opaquePrefixLists: ranges.opaque,
      unresolved,
    };
  }

  routeTable(resource: TfResource): RouteTable {
    return this.memo(resource, () => {
      const routes: Route[] = blocks(resource.values.route).map((route) => this.route(resource, route));
      for (const route of this.resolver.ofType('aws_route')) {
        if (this.resolver.resource(this.scope(route), route.values.route_table_id, 'aws_route_table', 'aws_default_route_table') === resource) {
          routes.push(this.route(route, route.values));
        }
      }
      return { resource, routes };
    });
  }

  private route(resource: TfResource, values: Json): Route {
    const scope = this.scope(resource);
    const destination = literalString(values.destination_cidr_block ?? values.cidr_block);
    const natValue = values.nat_gateway_id;
    const gatewayValue = values.gateway_id;
    let target: RouteTarget;
    if (natValue !== undefined && natValue !== null && natValue !== '') {
      const nat = this.resolver.resource(scope, natValue, ...NAT_TYPES);
      target = nat ? { kind: 'nat', nat: this.natGateway(nat) } : { kind: 'nat', reason: `nat_gateway_id ${String(natValue)} is not a NAT gateway in the loaded stacks` };
    } else if (gatewayValue !== undefined && gatewayValue !== null && gatewayValue !== '') {
      const igw = this.resolver.resource(scope, gatewayValue, 'aws_internet_gateway');
      const literal = literalString(gatewayValue);
      if (igw) target = { kind: 'igw', igw };
      else if (literal?.startsWith('igw-')) target = { kind: 'igw' };
      else if (literal === 'local') target = { kind: 'other', what: 'local' };
      else {
        const other = this.resolver.resource(scope, gatewayValue);
        target = other ? { kind: 'other', what: other.address } : { kind: 'unknown', reason: `gateway_id ${String(gatewayValue)}` };
      }
    } else {
      const key = ['transit_gateway_id', 'vpc_peering_connection_id', 'network_interface_id', 'vpc_endpoint_id', 'egress_only_gateway_id', 'carrier_gateway_id', 'local_gateway_id', 'core_network_arn'].find(
        (k) => values[k] !== undefined && values[k] !== null && values[k] !== '',
      );
      target = key ? { kind: 'other', what: key.replace(/_(id|arn)$/, '').replace(/_/g, ' ') } : { kind: 'unknown', reason: 'no target' };
    }
    return { resource, destination, target };
  }

  natGateway(resource: TfResource): NatGateway {
    return this.memo(resource, () => {
      const subnet = this.resolver.resource(this.scope(resource), resource.values.subnet_id, 'aws_subnet');
      return { resource, subnet: subnet ? this.subnet(subnet) : undefined, connectivity: literalString(resource.values.connectivity_type) ?? 'public' };
    });
  }

  /** The route table a subnet uses: its explicit association, else the VPC's main route table (when managed). */
  /** `undecided`: which route table the subnet uses is known only after apply. */
  routeTableOf(subnet: Subnet): { table?: RouteTable; via?: TfResource; note?: string; undecided?: boolean } {
    let open: TfResource | undefined;
    for (const association of this.resolver.ofType('aws_route_table_association')) {
      const scope = this.scope(association);
      const targets = this.resolver.resolve(scope, association.values.subnet_id);
      if (association.values.subnet_id !== undefined && targets.some((t) => t.kind === 'unknown')) open ??= association;
      if (this.resolver.resource(scope, association.values.subnet_id, 'aws_subnet') !== subnet.resource) continue;
      const table = this.resolver.resource(scope, association.values.route_table_id, 'aws_route_table', 'aws_default_route_table');
      return table ? { table: this.routeTable(table), via: association } : { via: association, note: `route table ${String(association.values.route_table_id)} is not in the loaded stacks`, undecided: true };
    }
    // An association whose subnet is known only after apply may be this subnet's.
    if (open) return { via: open, note: `the route table of ${open.address}, whose subnet is known only after apply`, undecided: true };
    if (!subnet.vpc) return { note: 'its VPC is not in the loaded stacks', undecided: true };
    for (const main of this.resolver.ofType('aws_main_route_table_association')) {
      if (this.resolver.resource(this.scope(main), main.values.vpc_id, 'aws_vpc') !== subnet.vpc.resource) continue;
      const table = this.resolver.resource(this.scope(main), main.values.route_table_id, 'aws_route_table');
      if (table) return { table: this.routeTable(table), via: main, note: 'the main route table (no explicit association)' };
    }
    for (const table of this.resolver.ofType('aws_default_route_table')) {
      const vpc = this.resolver.resource(this.scope(table), table.values.default_route_table_id);
      if (vpc === subnet.vpc.resource) return { table: this.routeTable(table), note: 'the VPC main route table (no explicit association)' };
    }
    return { note: "the VPC's unmanaged main route table (no explicit association): only the local route" };
  }

  endpoints(): Endpoint[] {
    return this.resolver.ofType('aws_vpc_endpoint').map((r) => this.endpoint(r));
  }

  endpoint(resource: TfResource): Endpoint {
    return this.memo(resource, () => {
      const scope = this.scope(resource);
      const values = resource.values;
      const serviceName = literalString(values.service_name);
      const match = serviceName ? /^com\.amazonaws\.([a-z0-9-]+)\.(.+)$/.exec(serviceName) : null;
      const unresolved: string[] = [];
      const subnets = this.resolver.resources(scope, [...list(configuredValue(resource, 'subnet_ids')), ...blocks(values.subnet_configuration).map((c) => c.subnet_id)], 'aws_subnet');
      const groups = this.resolver.resources(scope, configuredValue(resource, 'security_group_ids'), ...SG_TYPES);
      const tables = this.resolver.resources(scope, configuredValue(resource, 'route_table_ids'), 'aws_route_table', 'aws_default_route_table');
      for (const u of [...subnets.unresolved, ...groups.unresolved, ...tables.unresolved]) unresolved.push(u.kind === 'unknown' ? u.reason : u.kind === 'literal' ? String(u.value) : u.resource.address);
      const routeTables = tables.found.map((t) => this.routeTable(t));
      for (const association of this.resolver.ofType('aws_vpc_endpoint_route_table_association')) {
        const s = this.scope(association);
        if (this.resolver.resource(s, association.values.vpc_endpoint_id, 'aws_vpc_endpoint') !== resource) continue;
        const table = this.resolver.resource(s, association.values.route_table_id, 'aws_route_table', 'aws_default_route_table');
        if (table) routeTables.push(this.routeTable(table));
      }
      const subnetList = subnets.found.map((s) => this.subnet(s));
      for (const association of this.resolver.ofType('aws_vpc_endpoint_subnet_association')) {
        const s = this.scope(association);
        if (this.resolver.resource(s, association.values.vpc_endpoint_id, 'aws_vpc_endpoint') !== resource) continue;
        const subnet = this.resolver.resource(s, association.values.subnet_id, 'aws_subnet');
        if (subnet) subnetList.push(this.subnet(subnet));
      }
      const groupList = groups.found.map((g) => this.securityGroup(g));
      for (const association of this.resolver.ofType('aws_vpc_endpoint_security_group_association')) {
        const s = this.scope(association);
        if (this.resolver.resource(s, association.values.vpc_endpoint_id, 'aws_vpc_endpoint') !== resource) continue;
        const group = this.resolver.resource(s, association.values.security_group_id, ...SG_TYPES);
        if (group) groupList.push(this.securityGroup(group));
      }
      // Absent: the provider default (Gateway); an expression: known only after apply.
      const type = values.vpc_endpoint_type === undefined || values.vpc_endpoint_type === null ? 'Gateway' : literalString(values.vpc_endpoint_type);
      return {
        resource,
        vpc: this.vpcOf(resource, values.vpc_id),
        serviceName,
        region: match?.[1],
        service: match?.[2],
        type,
        privateDns: literalBool(values.private_dns_enabled, false),
        inboundResolverOnly: literalBool(block(values.dns_options)?.private_dns_only_for_inbound_resolver_endpoint, false),
        subnets: subnetList,
        securityGroups: groupList,
        routeTables,
        unresolved,
        policy: values.policy,
      };
    });
  }

  service(resource: TfResource): EcsService {
    return this.memo(resource, () => {
      const scope = this.scope(resource);
      const stack = this.resolver.stack(resource.stack)!;
      const values = resource.values;
      const networkBlock = block(values.network_configuration);
      const network = networkBlock ?? {};
      const unresolved: string[] = [];
      const subnets = this.resolver.resources(scope, network.subnets, 'aws_subnet');
      const groups = this.resolver.resources(scope, network.security_groups, ...SG_TYPES);
      const notLoaded = (u: Target) => (u.kind === 'literal' ? `${u.value} (declared in none of the loaded stacks: give the plan of the stack that creates it too)` : describe(u));
      const deleted: string[] = [];
      for (const u of subnets.unresolved) (u.kind === 'unknown' && u.deleted ? deleted : unresolved).push(`subnet ${notLoaded(u)}`);
      for (const u of groups.unresolved) (u.kind === 'unknown' && u.deleted ? deleted : unresolved).push(`security group ${notLoaded(u)}`);
      const taskDefinitionResource = this.resolver.resource(scope, values.task_definition, 'aws_ecs_task_definition');
      const connect = block(values.service_connect_configuration);
      return {
        resource,
        name: literalString(values.name) ?? resource.name,
        stack,
        region: stack.region,
        environment: stack.environment ?? '(no environment)',
        subnets: subnets.found.map((s) => this.subnet(s)),
        securityGroups: groups.found.map((g) => this.securityGroup(g)),
        unresolved,
        deleted,
        awsvpc: networkBlock !== undefined,
        assignPublicIp: literalBool(network.assign_public_ip, false),
        exec: literalBool(values.enable_execute_command, false),
        serviceConnect: connect ? literalBool(connect.enabled, true) : false,
        taskDefinition: taskDefinitionResource ? this.taskDefinition(taskDefinitionResource) : undefined,
        taskDefinitionProblem: taskDefinitionResource ? undefined : `task_definition ${String(values.task_definition)} is not a task definition in the loaded stacks`,
        loadBalancers: blocks(values.load_balancer).map((lb) => this.attachment(resource, lb)),
      };
    });
  }

  private attachment(service: TfResource, lb: Json): LbAttachment {
    const target = this.resolver.resource(this.scope(service), lb.target_group_arn, ...TG_TYPES);
    return {
      targetGroup: target ? this.targetGroup(target) : undefined,
      targetGroupProblem: target ? undefined : lb.target_group_arn === undefined ? 'no target_group_arn (a Classic Load Balancer?)' : `target group ${String(lb.target_group_arn)} is not in the loaded stacks`,
      containerName: literalString(lb.container_name),
      containerPort: literalNumber(lb.container_port),
    };
  }

  taskDefinition(resource: TfResource): TaskDefinition {
    return this.memo(resource, () => {
      const raw = resource.values.container_definitions;
      const volumes: TaskVolume[] = blocks(resource.values.volume).map((v) => ({
        name: literalString(v.name),
        // EBS volumes configured at launch, EFS, FSx and Docker volumes have their own ownership.
        kind:
          ['host_path', 'efs_volume_configuration', 'fsx_windows_file_server_volume_configuration', 'docker_volume_configuration'].some((k) => blocks(v[k]).length > 0 || literalString(v[k])) ||
          literalBool(v.configure_at_launch, false) !== false
            ? 'other'
            : 'bind',
      }));
      if (raw === UNKNOWN) return { resource, volumes, containersProblem: 'container_definitions is known only after apply' };
      let parsed: unknown = raw;
      if (typeof raw === 'string') {
        try {
          parsed = parseTemplateJson(raw);
        } catch {
          return { resource, volumes, containersProblem: 'container_definitions is a Terraform expression, not JSON text' };
        }
      }
      if (!Array.isArray(parsed)) return { resource, volumes, containersProblem: 'container_definitions is not a list of containers' };
      return { resource, volumes, containers: parsed.filter(isRecord).map((c) => this.container(resource, c)) };
    });
  }

  private container(taskDefinition: TfResource, c: Json): Container {
    const scope = this.scope(taskDefinition);
    const log = isRecord(c.logConfiguration) ? c.logConfiguration : undefined;
    const options: Record<string, string> = {};
    if (log && isRecord(log.options)) for (const [k, v] of Object.entries(log.options)) if (typeof v === 'string') options[k] = v;
    const secrets = blocks(c.secrets).map((s) => this.secret(scope, literalString(s.name) ?? String(s.name), s.valueFrom));
    const credentials = isRecord(c.repositoryCredentials) ? c.repositoryCredentials.credentialsParameter : undefined;
    return {
      name: literalString(c.name),
      image: typeof c.image === 'string' ? c.image : undefined,
      ports: blocks(c.portMappings).map((p) => literalNumber(p.containerPort)).filter((p): p is number => p !== undefined),
      logDriver: log ? literalString(log.logDriver) : undefined,
      logOptions: options,
      secrets,
      repositoryCredentials: credentials !== undefined ? { ...this.secret(scope, 'repositoryCredentials', credentials), source: 'secretsmanager' } : undefined,
      user: c.user === undefined || c.user === null ? undefined : String(c.user),
      essential: literalBool(c.essential, true),
      readonlyRootFilesystem: literalBool(c.readonlyRootFilesystem, false),
      mountPoints: blocks(c.mountPoints).map((m) => ({
        sourceVolume: literalString(m.sourceVolume),
        containerPath: literalString(m.containerPath),
        readOnly: literalBool(m.readOnly, false) === true,
      })),
      dependsOn: blocks(c.dependsOn).map((d) => ({ containerName: literalString(d.containerName), condition: literalString(d.condition) })),
      commandLine: [...list(c.entryPoint), ...list(c.command)].map((x) => String(x)),
      capabilities: capabilitiesOf(c.linuxParameters),
    };
  }

  private secret(scope: Scope, name: string, valueFrom: unknown): SecretRef {
    const text = typeof valueFrom === 'string' ? valueFrom : String(valueFrom);
    const literal = this.resolver.literalText(scope, text);
    const arn = literal ?? text;
    const match = /^arn:aws[a-z-]*:(secretsmanager|ssm):([a-z0-9-]+):/.exec(arn);
    if (match) return { name, valueFrom: arn, source: match[1] as 'secretsmanager' | 'ssm', region: match[2] };
    // `${aws_secretsmanager_secret.x.arn}:json-key::` names the secret by its leading reference.
    const lead = /^(\$\{[^{}]+\})(?::.*)?$/.exec(text);
    const target = this.resolver.resolve(scope, lead ? lead[1] : text)[0];
    if (target?.kind === 'resource') {
      const type = target.resource.type;
      const source = type.startsWith('aws_secretsmanager_secret') ? 'secretsmanager' : type === 'aws_ssm_parameter' ? 'ssm' : 'unknown';
      return { name, valueFrom: text, source, region: this.resolver.stack(target.resource.stack)?.region, resource: target.resource };
    }
    // A bare name is an SSM parameter of the task's region.
    if (literal !== undefined && !literal.startsWith('arn:')) return { name, valueFrom: literal, source: 'ssm' };
    return { name, valueFrom: text, source: 'unknown' };
  }

  targetGroup(resource: TfResource): TargetGroup {
    return this.memo(resource, () => {
      const health = block(resource.values.health_check);
      const hcPort = health?.port;
      return {
        resource,
        // Unset: the provider default; an expression: known only after apply.
        targetType: resource.values.target_type === undefined || resource.values.target_type === null ? 'instance' : literalString(resource.values.target_type),
        port: literalNumber(resource.values.port),
        healthCheckPort: typeof hcPort === 'number' ? String(hcPort) : literalString(hcPort),
      };
    });
  }

  /** Listeners and listener rules, in every loaded stack, that forward to `group`. */
  forwardersTo(group: TargetGroup): Forwarder[] {
    const forwards = (actions: unknown, scope: Scope) =>
      blocks(actions).some((action) => {
        const arns = [action.target_group_arn, ...blocks(block(action.forward)?.target_group).map((t) => t.arn)];
        return arns.some((arn) => arn !== undefined && this.resolver.resource(scope, arn, ...TG_TYPES) === group.resource);
      });
    const result: Forwarder[] = [];
    for (const type of LISTENER_TYPES) {
      for (const listener of this.resolver.ofType(type)) {
        if (forwards(listener.values.default_action, this.scope(listener))) result.push({ resource: listener, listener: this.listener(listener) });
      }
    }
    for (const type of RULE_TYPES) {
      for (const rule of this.resolver.ofType(type)) {
        const scope = this.scope(rule);
        if (!forwards(rule.values.action, scope)) continue;
        const listener = this.resolver.resource(scope, rule.values.listener_arn, ...LISTENER_TYPES);
        result.push({ resource: rule, listener: listener ? this.listener(listener) : undefined });
      }
    }
    return result;
  }

  listener(resource: TfResource): Listener {
    return this.memo(resource, () => {
      const lb = this.resolver.resource(this.scope(resource), resource.values.load_balancer_arn, ...LB_TYPES);
      return { resource, loadBalancer: lb ? this.loadBalancer(lb) : undefined, protocol: literalString(resource.values.protocol), port: literalNumber(resource.values.port) };
    });
  }

  loadBalancer(resource: TfResource): LoadBalancer {
    return this.memo(resource, () => {
      const scope = this.scope(resource);
      const groups = this.resolver.resources(scope, resource.values.security_groups, ...SG_TYPES);
      const subnets = this.resolver.resources(scope, [...list(resource.values.subnets), ...blocks(resource.values.subnet_mapping).map((m) => m.subnet_id)], 'aws_subnet');
      return {
        resource,
        securityGroups: groups.found.map((g) => this.securityGroup(g)),
        subnets: subnets.found.map((s) => this.subnet(s)),
        unresolved: [...groups.unresolved, ...subnets.unresolved].map(describe),
      };
    });
  }

  /** Pull-through cache rules, for telling a cached public image from a private ECR one. */
  pullThroughRules(): TfResource[] {
    return this.resolver.ofType('aws_ecr_pull_through_cache_rule');
  }
}

function capabilitiesOf(linuxParameters: unknown): { add: string[]; drop: string[] } {
  const capabilities = isRecord(linuxParameters) && isRecord(linuxParameters.capabilities) ? linuxParameters.capabilities : {};
  const names = (value: unknown) => list(value).map((v) => String(v).toUpperCase().replace(/^CAP_/, ''));
  return { add: names(capabilities.add), drop: names(capabilities.drop) };
}

export function describe(target: Target): string {
  if (target.kind === 'unknown') return target.reason;
  if (target.kind === 'literal') return String(target.value);
  return `${target.resource.address}${target.attribute ? `.${target.attribute}` : ''}`;
}
