/**
 * Adversarial review of the preflight: escape-hatch mutations of the default configuration's
 * synthesized JSON, each labelled with what AWS would do. A task that cannot start must FAIL
 * (no missed failure); a valid variant must pass or at most warn (no false alarm); a value
 * known only after apply may be unknown, never a failure. Each case names the paths it is
 * about; every other path must not newly fail. The classes the review found wrong, and
 * fixed: prefix lists as security group peers, `self` on aws_security_group_rule, peers
 * covered only by several rules together, S3 interface endpoints with private DNS, endpoints
 * whose service name or type is an expression, awslogs groups that do not exist, and roles
 * that do not trust ecs-tasks.amazonaws.com.
 */
import { synthDefault } from "./helpers/synth";
import {
  containersOf,
  named,
  one,
  preflightOf,
  Stacks,
  stacksOf,
  verdicts,
} from "./helpers/preflight";
import type { Verdict } from "../lib/preflight/types";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = Record<string, any>;
type V = Verdict;

const defaults = synthDefault();
const dev = (name: string) => name.startsWith("dev-");
const fresh = (): Stacks => stacksOf(defaults);
const key = (stack: string, type: string, name: RegExp) =>
  named(defaults.stack(stack), type, name)[0][0];
const ref = (type: string, name: string, attribute = "id") =>
  `\${${type}.${name}.${attribute}}`;

const OK: V[] = ["pass", "warn"];
const OKU: V[] = ["pass", "warn", "unknown"];
const F: V[] = ["fail"];
const IFACE = ["ecr-api", "ecr-dkr", "logs"];
const all = (paths: string[], v: V[] | V[][]) =>
  Object.fromEntries(paths.map((p) => [p, v]));

// The default dev stacks, by role.
const VPC = key("dev-network", "aws_vpc", /./);
const SUBNET_A = key("dev-network", "aws_subnet", /private-a/);
const SUBNET_B = key("dev-network", "aws_subnet", /private-b/);
const PUBLIC_A = key("dev-network", "aws_subnet", /public-a/);
const PUBLIC_B = key("dev-network", "aws_subnet", /public-b/);
const RT_A = key("dev-network", "aws_route_table", /private-a/);
const RT_B = key("dev-network", "aws_route_table", /private-b/);
const RT_PUBLIC = key("dev-network", "aws_route_table", /public/);
const RTA_B = key("dev-network", "aws_route_table_association", /private-b/);
const EP_SG = key("dev-network", "aws_security_group", /endpoints/);
const DEFAULT_SG = key("dev-network", "aws_default_security_group", /./);
const EP_IN = key(
  "dev-network",
  "aws_vpc_security_group_ingress_rule",
  /endpoints/
);
const ECR_API = key("dev-network", "aws_vpc_endpoint", /ecr-api/);
const ECR_DKR = key("dev-network", "aws_vpc_endpoint", /ecr-dkr/);
const LOGS = key("dev-network", "aws_vpc_endpoint", /logs/);
const S3 = key("dev-network", "aws_vpc_endpoint", /s3/);
const TASK_SG_NAME = key("dev-web", "aws_security_group", /security-group/);
const TASK_SG = ref("aws_security_group", TASK_SG_NAME);
const TO_EP = key(
  "dev-web",
  "aws_vpc_security_group_egress_rule",
  /https-to-endpoints/
);
const TO_S3 = key(
  "dev-web",
  "aws_vpc_security_group_egress_rule",
  /https-to-s3/
);
/** The cross-stack references of the web stack to the endpoint security group and the S3 prefix list. */
const EP_SG_REMOTE: string =
  defaults.stack("dev-web").resource.aws_vpc_security_group_egress_rule[TO_EP]
    .referenced_security_group_id;
const S3PL: string =
  defaults.stack("dev-web").resource.aws_vpc_security_group_egress_rule[TO_S3]
    .prefix_list_id;

const N = (s: Stacks) => s["dev-network"].resource;
const W = (s: Stacks) => s["dev-web"].resource;
const EG = (s: Stacks) => W(s).aws_vpc_security_group_egress_rule;
const toEp = (s: Stacks) => EG(s)[TO_EP];
const toS3 = (s: Stacks) => EG(s)[TO_S3];
const epIn = (s: Stacks) => N(s).aws_vpc_security_group_ingress_rule[EP_IN];
const EP = (s: Stacks) => N(s).aws_vpc_endpoint;
const service = (s: Stacks) => one(s["dev-web"], "aws_ecs_service");
const task = (s: Stacks) => one(s["dev-web"], "aws_ecs_task_definition");
const policy = (s: Stacks) =>
  one(s["dev-web"], "aws_iam_role_policy", /execution/);
const editPolicy = (s: Stacks, f: (p: J) => void) => {
  const p = JSON.parse(policy(s).policy);
  f(p);
  policy(s).policy = JSON.stringify(p);
};
const editC = (s: Stacks, f: (c: J[]) => void) => {
  const c = containersOf(task(s));
  f(c);
  task(s).container_definitions = JSON.stringify(c);
};
const editTrust = (s: Stacks, role: RegExp, f: (t: J) => void) => {
  const r = one(s["dev-web"], "aws_iam_role", role);
  const t = JSON.parse(r.assume_role_policy);
  f(t);
  r.assume_role_policy = JSON.stringify(t);
};
/** A public NAT gateway in public-a, and 0.0.0.0/0 routes to it from both private route tables. */
const addNat = (s: Stacks) => {
  N(s).aws_eip = { nat: { domain: "vpc" } };
  N(s).aws_nat_gateway = {
    nat: {
      allocation_id: "${aws_eip.nat.id}",
      subnet_id: ref("aws_subnet", PUBLIC_A),
    },
  };
  for (const rt of [RT_A, RT_B])
    N(s).aws_route[`nat-${rt}`] = {
      route_table_id: ref("aws_route_table", rt),
      destination_cidr_block: "0.0.0.0/0",
      nat_gateway_id: "${aws_nat_gateway.nat.id}",
    };
};
const addNatEgress = (s: Stacks) => {
  EG(s).all443 = {
    security_group_id: TASK_SG,
    ip_protocol: "tcp",
    from_port: 443,
    to_port: 443,
    cidr_ipv4: "0.0.0.0/0",
  };
};
/** A network ACL on both private subnets. */
const nacl = (s: Stacks, ingress: J[], egress: J[]) => {
  N(s).aws_network_acl = {
    n: {
      vpc_id: ref("aws_vpc", VPC),
      subnet_ids: [ref("aws_subnet", SUBNET_A), ref("aws_subnet", SUBNET_B)],
      ingress,
      egress,
    },
  };
};
const r = (
  rule_no: number,
  protocol: string,
  from_port: number,
  to_port: number,
  cidr_block = "0.0.0.0/0",
  action = "allow"
) => ({ rule_no, protocol, from_port, to_port, cidr_block, action });

interface Case {
  readonly name: string;
  readonly mutate: (s: Stacks) => void;
  /** Per path: the verdicts allowed for every subnet, or per subnet (a, b). */
  readonly expect: Record<string, V[] | V[][]>;
}

const cases: Case[] = [
  {
    name: "egress to endpoints: protocol -1 no ports",
    mutate: (s) => {
      const e = toEp(s);
      e.ip_protocol = "-1";
      delete e.from_port;
      delete e.to_port;
    },
    expect: all(IFACE, OK),
  },
  {
    name: 'egress to endpoints: protocol "6"',
    mutate: (s) => {
      toEp(s).ip_protocol = "6";
    },
    expect: all(IFACE, OK),
  },
  {
    name: "egress to endpoints: 442-444",
    mutate: (s) => {
      toEp(s).from_port = 442;
      toEp(s).to_port = 444;
    },
    expect: all(IFACE, OK),
  },
  {
    name: "egress to endpoints: 0-65535",
    mutate: (s) => {
      toEp(s).from_port = 0;
      toEp(s).to_port = 65535;
    },
    expect: all(IFACE, OK),
  },
  {
    name: "egress to endpoints: udp",
    mutate: (s) => {
      toEp(s).ip_protocol = "udp";
    },
    expect: all(IFACE, F),
  },
  {
    name: "egress to endpoints: 444-444",
    mutate: (s) => {
      toEp(s).from_port = 444;
      toEp(s).to_port = 444;
    },
    expect: all(IFACE, F),
  },
  {
    name: "egress to endpoints: icmp",
    mutate: (s) => {
      toEp(s).ip_protocol = "icmp";
      toEp(s).from_port = -1;
      toEp(s).to_port = -1;
    },
    expect: all(IFACE, F),
  },
  {
    name: "egress to endpoints: VPC cidr",
    mutate: (s) => {
      delete toEp(s).referenced_security_group_id;
      toEp(s).cidr_ipv4 = "10.10.0.0/16";
    },
    expect: all(IFACE, OK),
  },
  {
    name: "egress to endpoints: 0.0.0.0/0",
    mutate: (s) => {
      delete toEp(s).referenced_security_group_id;
      toEp(s).cidr_ipv4 = "0.0.0.0/0";
    },
    expect: all(IFACE, OK),
  },
  {
    name: "egress to endpoints: ::/0 only",
    mutate: (s) => {
      delete toEp(s).referenced_security_group_id;
      toEp(s).cidr_ipv6 = "::/0";
    },
    expect: all(IFACE, F),
  },
  {
    name: "egress to endpoints: 10.20.0.0/16 other",
    mutate: (s) => {
      delete toEp(s).referenced_security_group_id;
      toEp(s).cidr_ipv4 = "10.20.0.0/16";
    },
    expect: all(IFACE, F),
  },
  {
    name: "egress to endpoints: to task SG itself",
    mutate: (s) => {
      toEp(s).referenced_security_group_id = TASK_SG;
    },
    expect: all(IFACE, F),
  },
  {
    name: "egress as aws_security_group_rule source_security_group_id",
    mutate: (s) => {
      const e = toEp(s);
      delete EG(s)[TO_EP];
      W(s).aws_security_group_rule = {
        x: {
          type: "egress",
          security_group_id: TASK_SG,
          protocol: "tcp",
          from_port: 443,
          to_port: 443,
          source_security_group_id: e.referenced_security_group_id,
        },
      };
    },
    expect: all(IFACE, OK),
  },
  {
    name: "egress as aws_security_group_rule protocol all cidr_blocks",
    mutate: (s) => {
      delete EG(s)[TO_EP];
      W(s).aws_security_group_rule = {
        x: {
          type: "egress",
          security_group_id: TASK_SG,
          protocol: "all",
          from_port: 0,
          to_port: 0,
          cidr_blocks: ["10.10.0.0/16"],
        },
      };
    },
    expect: all(IFACE, OK),
  },
  {
    name: "egress as aws_security_group_rule protocol -1 number-ish",
    mutate: (s) => {
      delete EG(s)[TO_EP];
      W(s).aws_security_group_rule = {
        x: {
          type: "egress",
          security_group_id: TASK_SG,
          protocol: -1,
          from_port: 0,
          to_port: 0,
          cidr_blocks: ["10.10.0.0/16"],
        },
      };
    },
    expect: all(IFACE, OK),
  },
  {
    name: "egress inline on the task SG",
    mutate: (s) => {
      const e = toEp(s);
      delete EG(s)[TO_EP];
      W(s).aws_security_group[TASK_SG_NAME].egress = [
        {
          protocol: "tcp",
          from_port: 443,
          to_port: 443,
          security_groups: [e.referenced_security_group_id],
          cidr_blocks: [],
          ipv6_cidr_blocks: [],
          prefix_list_ids: [],
          self: false,
          description: "x",
        },
      ];
    },
    expect: all(IFACE, OK),
  },
  {
    name: "egress inline empty list (removes all) + standalone rules",
    mutate: (s) => {
      W(s).aws_security_group[TASK_SG_NAME].egress = [];
    },
    expect: all(IFACE, OK),
  },
  {
    name: "egress rule removed entirely",
    mutate: (s) => {
      delete EG(s)[TO_EP];
    },
    expect: all(IFACE, F),
  },
  {
    name: "s3 egress removed, 0.0.0.0/0 443 added",
    mutate: (s) => {
      delete EG(s)[TO_S3];
      addNatEgress(s);
    },
    expect: { "s3-layers": OK },
  },
  {
    name: "s3 egress removed",
    mutate: (s) => {
      delete EG(s)[TO_S3];
    },
    expect: { "s3-layers": F },
  },
  {
    name: "s3 egress literal pl id",
    mutate: (s) => {
      toS3(s).prefix_list_id = "pl-78a54011";
    },
    expect: { "s3-layers": OKU },
  },
  {
    name: "s3 egress data prefix list s3 by name",
    mutate: (s) => {
      s["dev-web"].data.aws_ec2_managed_prefix_list = {
        s3: { name: "com.amazonaws.ap-northeast-2.s3" },
      };
      toS3(s).prefix_list_id = "${data.aws_ec2_managed_prefix_list.s3.id}";
    },
    expect: { "s3-layers": OK },
  },
  {
    name: "s3 egress data prefix list dynamodb",
    mutate: (s) => {
      s["dev-web"].data.aws_ec2_managed_prefix_list = {
        s3: { name: "com.amazonaws.ap-northeast-2.dynamodb" },
      };
      toS3(s).prefix_list_id = "${data.aws_ec2_managed_prefix_list.s3.id}";
    },
    expect: { "s3-layers": F },
  },
  {
    name: "s3 egress data aws_prefix_list filter",
    mutate: (s) => {
      s["dev-web"].data.aws_prefix_list = {
        s3: {
          filter: [
            {
              name: "prefix-list-name",
              values: ["com.amazonaws.ap-northeast-2.s3"],
            },
          ],
        },
      };
      toS3(s).prefix_list_id = "${data.aws_prefix_list.s3.id}";
    },
    expect: { "s3-layers": OK },
  },
  {
    name: "s3 egress as aws_security_group_rule prefix_list_ids",
    mutate: (s) => {
      delete EG(s)[TO_S3];
      W(s).aws_security_group_rule = {
        x: {
          type: "egress",
          security_group_id: TASK_SG,
          protocol: "tcp",
          from_port: 443,
          to_port: 443,
          prefix_list_ids: [S3PL],
        },
      };
    },
    expect: { "s3-layers": OK },
  },
  {
    name: "s3 egress on port 80",
    mutate: (s) => {
      toS3(s).from_port = 80;
      toS3(s).to_port = 80;
    },
    expect: { "s3-layers": F },
  },
  {
    name: "ep ingress subnet a only",
    mutate: (s) => {
      epIn(s).cidr_ipv4 = "10.10.0.0/18";
    },
    expect: all(IFACE, [["pass"], ["fail"]]),
  },
  {
    name: "ep ingress port 80",
    mutate: (s) => {
      epIn(s).from_port = 80;
      epIn(s).to_port = 80;
    },
    expect: all(IFACE, F),
  },
  {
    name: "ep ingress -1 0.0.0.0/0",
    mutate: (s) => {
      const e = epIn(s);
      e.ip_protocol = "-1";
      delete e.from_port;
      delete e.to_port;
      e.cidr_ipv4 = "0.0.0.0/0";
    },
    expect: all(IFACE, OK),
  },
  {
    name: "ep ingress from task SG (rule in web stack)",
    mutate: (s) => {
      delete N(s).aws_vpc_security_group_ingress_rule[EP_IN];
      W(s).aws_vpc_security_group_ingress_rule.x = {
        security_group_id: EP_SG_REMOTE,
        referenced_security_group_id: TASK_SG,
        ip_protocol: "tcp",
        from_port: 443,
        to_port: 443,
      };
    },
    expect: all(IFACE, OK),
  },
  {
    name: "ep ingress removed",
    mutate: (s) => {
      delete N(s).aws_vpc_security_group_ingress_rule[EP_IN];
    },
    expect: all(IFACE, F),
  },
  {
    name: "ep ingress 10.0.0.0/8",
    mutate: (s) => {
      epIn(s).cidr_ipv4 = "10.0.0.0/8";
    },
    expect: all(IFACE, OK),
  },
  {
    name: "ep sg = default sg",
    mutate: (s) => {
      EP(s)[ECR_API].security_group_ids = [
        ref("aws_default_security_group", DEFAULT_SG),
      ];
    },
    expect: { "ecr-api": F },
  },
  {
    name: "remove ecr.api",
    mutate: (s) => {
      delete EP(s)[ECR_API];
    },
    expect: { "ecr-api": F },
  },
  {
    name: "remove ecr.dkr",
    mutate: (s) => {
      delete EP(s)[ECR_DKR];
    },
    expect: { "ecr-dkr": F },
  },
  {
    name: "remove logs",
    mutate: (s) => {
      delete EP(s)[LOGS];
    },
    expect: { logs: F },
  },
  {
    name: "remove s3",
    mutate: (s) => {
      delete EP(s)[S3];
    },
    expect: { "s3-layers": F },
  },
  {
    name: "private dns missing",
    mutate: (s) => {
      delete EP(s)[ECR_DKR].private_dns_enabled;
    },
    expect: { "ecr-dkr": F },
  },
  {
    name: 'private dns "true" string',
    mutate: (s) => {
      EP(s)[ECR_DKR].private_dns_enabled = "true";
    },
    expect: { "ecr-dkr": OK },
  },
  {
    name: "ecr.api wrong region",
    mutate: (s) => {
      EP(s)[ECR_API].service_name = "com.amazonaws.us-east-1.ecr.api";
    },
    expect: { "ecr-api": F },
  },
  {
    name: "ecr.dkr service name typo ecr.docker",
    mutate: (s) => {
      EP(s)[ECR_DKR].service_name = "com.amazonaws.ap-northeast-2.ecr.docker";
    },
    expect: { "ecr-dkr": F },
  },
  {
    name: "s3 type default (no vpc_endpoint_type)",
    mutate: (s) => {
      delete EP(s)[S3].vpc_endpoint_type;
    },
    expect: { "s3-layers": OK },
  },
  {
    name: "s3 interface no private dns",
    mutate: (s) => {
      const e = EP(s)[S3];
      e.vpc_endpoint_type = "Interface";
      delete e.route_table_ids;
      e.subnet_ids = EP(s)[LOGS].subnet_ids;
      e.security_group_ids = EP(s)[LOGS].security_group_ids;
    },
    expect: { "s3-layers": F },
  },
  {
    name: "s3 interface with private dns (no gateway)",
    mutate: (s) => {
      const e = EP(s)[S3];
      e.vpc_endpoint_type = "Interface";
      e.private_dns_enabled = true;
      delete e.route_table_ids;
      e.subnet_ids = EP(s)[LOGS].subnet_ids;
      e.security_group_ids = EP(s)[LOGS].security_group_ids;
    },
    expect: { "s3-layers": OKU },
  },
  {
    name: "s3 gateway on rt a only",
    mutate: (s) => {
      EP(s)[S3].route_table_ids = [ref("aws_route_table", RT_A)];
    },
    expect: { "s3-layers": [["pass"], ["fail"]] },
  },
  {
    name: "s3 gateway via route table associations",
    mutate: (s) => {
      delete EP(s)[S3].route_table_ids;
      N(s).aws_vpc_endpoint_route_table_association = {
        a: {
          vpc_endpoint_id: ref("aws_vpc_endpoint", S3),
          route_table_id: ref("aws_route_table", RT_A),
        },
        b: {
          vpc_endpoint_id: ref("aws_vpc_endpoint", S3),
          route_table_id: ref("aws_route_table", RT_B),
        },
      };
    },
    expect: { "s3-layers": OK },
  },
  {
    name: "endpoint subnets a only",
    mutate: (s) => {
      EP(s)[ECR_API].subnet_ids = [ref("aws_subnet", SUBNET_A)];
    },
    expect: { "ecr-api": [["pass"], ["warn"]] },
  },
  {
    name: "endpoint subnets via aws_vpc_endpoint_subnet_association",
    mutate: (s) => {
      delete EP(s)[ECR_API].subnet_ids;
      N(s).aws_vpc_endpoint_subnet_association = {
        a: {
          vpc_endpoint_id: ref("aws_vpc_endpoint", ECR_API),
          subnet_id: ref("aws_subnet", SUBNET_A),
        },
        b: {
          vpc_endpoint_id: ref("aws_vpc_endpoint", ECR_API),
          subnet_id: ref("aws_subnet", SUBNET_B),
        },
      };
    },
    expect: { "ecr-api": OK },
  },
  {
    name: "vpc dns support false",
    mutate: (s) => {
      N(s).aws_vpc[VPC].enable_dns_support = false;
    },
    expect: { "vpc-dns": F },
  },
  {
    name: "vpc dns hostnames false",
    mutate: (s) => {
      N(s).aws_vpc[VPC].enable_dns_hostnames = false;
    },
    expect: { "vpc-dns": F },
  },
  {
    name: "vpc dns hostnames missing",
    mutate: (s) => {
      delete N(s).aws_vpc[VPC].enable_dns_hostnames;
    },
    expect: { "vpc-dns": F },
  },
  {
    name: "subnet b -> public rt (igw, no public ip)",
    mutate: (s) => {
      N(s).aws_route_table_association[RTA_B].route_table_id = ref(
        "aws_route_table",
        RT_PUBLIC
      );
    },
    expect: { "s3-layers": [["pass"], ["fail"]] },
  },
  {
    name: "NAT + no logs endpoint + 0/0 egress",
    mutate: (s) => {
      addNat(s);
      addNatEgress(s);
      delete EP(s)[LOGS];
    },
    expect: { logs: OK },
  },
  {
    name: "NAT + no logs endpoint, no 0/0 egress",
    mutate: (s) => {
      addNat(s);
      delete EP(s)[LOGS];
    },
    expect: { logs: F },
  },
  {
    name: "NAT in private subnet",
    mutate: (s) => {
      addNat(s);
      addNatEgress(s);
      N(s).aws_nat_gateway.nat.subnet_id = ref("aws_subnet", SUBNET_A);
      delete EP(s)[LOGS];
    },
    expect: { logs: F },
  },
  {
    name: "NAT private connectivity",
    mutate: (s) => {
      addNat(s);
      addNatEgress(s);
      N(s).aws_nat_gateway.nat.connectivity_type = "private";
      delete N(s).aws_nat_gateway.nat.allocation_id;
      delete EP(s)[LOGS];
    },
    expect: { logs: F },
  },
  {
    name: "public subnets + public ip, no s3 endpoint on public rt",
    mutate: (s) => {
      const n = service(s).network_configuration;
      n.assign_public_ip = true;
      n.subnets = n.subnets.map((x: string) =>
        x.replace(SUBNET_A, PUBLIC_A).replace(SUBNET_B, PUBLIC_B)
      );
      addNatEgress(s);
    },
    expect: { "s3-layers": OK, "ecr-api": OK },
  },
  {
    name: "public subnets, no public ip",
    mutate: (s) => {
      const n = service(s).network_configuration;
      n.subnets = n.subnets.map((x: string) =>
        x.replace(SUBNET_A, PUBLIC_A).replace(SUBNET_B, PUBLIC_B)
      );
      addNatEgress(s);
    },
    expect: { "s3-layers": F },
  },
  {
    name: "iam: no GetAuthorizationToken",
    mutate: (s) =>
      editPolicy(s, (p) => {
        p.Statement = p.Statement.filter((x: J) => x.Sid !== "EcrAuthToken");
      }),
    expect: { "iam-ecr": F },
  },
  {
    name: "iam: ecr:* on *",
    mutate: (s) =>
      editPolicy(s, (p) => {
        p.Statement = p.Statement.filter((x: J) => !x.Sid.startsWith("Ecr"));
        p.Statement.push({ Effect: "Allow", Action: "ecr:*", Resource: "*" });
      }),
    expect: { "iam-ecr": OK, "pull-through": OKU },
  },
  {
    name: "iam: ecr:Get* ecr:Batch* on *",
    mutate: (s) =>
      editPolicy(s, (p) => {
        p.Statement = p.Statement.filter((x: J) => !x.Sid.startsWith("Ecr"));
        p.Statement.push({
          Effect: "Allow",
          Action: ["ecr:Get*", "ecr:Batch*", "ecr:CreateRepository"],
          Resource: "*",
        });
      }),
    expect: { "iam-ecr": OK },
  },
  {
    name: "iam: lowercase action names",
    mutate: (s) =>
      editPolicy(s, (p) => {
        for (const st of p.Statement)
          st.Action = Array.isArray(st.Action)
            ? st.Action.map((a: string) => a.toLowerCase())
            : st.Action.toLowerCase();
      }),
    expect: { "iam-ecr": OK, "iam-logs": OK },
  },
  {
    name: "iam: NotAction logs:* allow",
    mutate: (s) =>
      editPolicy(s, (p) => {
        p.Statement = p.Statement.filter((x: J) => x.Sid !== "WriteLogs");
        p.Statement.push({
          Effect: "Allow",
          NotAction: "iam:*",
          Resource: "*",
        });
      }),
    expect: { "iam-logs": OK },
  },
  {
    name: "iam: logs no PutLogEvents",
    mutate: (s) =>
      editPolicy(s, (p) => {
        p.Statement.find((x: J) => x.Sid === "WriteLogs").Action = [
          "logs:CreateLogStream",
        ];
      }),
    expect: { "iam-logs": F },
  },
  {
    name: "iam: deny ecr:* NotResource",
    mutate: (s) =>
      editPolicy(s, (p) => {
        p.Statement.push({
          Effect: "Deny",
          Action: "ecr:*",
          NotResource: "arn:aws:ecr:*:*:repository/other/*",
        });
      }),
    expect: { "iam-ecr": F },
  },
  {
    name: "iam: deny with unknown condition",
    mutate: (s) =>
      editPolicy(s, (p) => {
        p.Statement.push({
          Effect: "Deny",
          Action: "ecr:*",
          Resource: "*",
          Condition: { StringNotEquals: { "aws:SourceVpc": "vpc-123" } },
        });
      }),
    expect: { "iam-ecr": OKU },
  },
  {
    name: "iam: Statement as object not array",
    mutate: (s) =>
      editPolicy(s, (p) => {
        p.Statement = { Effect: "Allow", Action: "*", Resource: "*" };
      }),
    expect: { "iam-ecr": OK, "iam-logs": OK },
  },
  {
    name: "image digest",
    mutate: (s) =>
      editC(s, (c) => {
        c[0].image = c[0].image.replace(
          /:[^:/]+$/,
          "@sha256:" + "a".repeat(64)
        );
      }),
    expect: { "ecr-api": OK, "pull-through": OK },
  },
  {
    name: "image docker hub",
    mutate: (s) =>
      editC(s, (c) => {
        c[0].image = "nginx:1.27";
      }),
    expect: { "image-registry": F },
  },
  {
    name: "image docker.io/library",
    mutate: (s) =>
      editC(s, (c) => {
        c[0].image = "docker.io/library/nginx:1.27";
      }),
    expect: { "image-registry": F },
  },
  {
    name: "image public.ecr.aws direct",
    mutate: (s) =>
      editC(s, (c) => {
        c[0].image = "public.ecr.aws/nginx/nginx:1.27";
      }),
    expect: { "image-registry": F },
  },
  {
    name: "image ECR other region",
    mutate: (s) =>
      editC(s, (c) => {
        c[0].image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1";
      }),
    expect: { "image-registry": F, "iam-ecr": F },
  },
  {
    name: "image docker hub + NAT",
    mutate: (s) => {
      addNat(s);
      addNatEgress(s);
      editC(s, (c) => {
        c[0].image = "nginx:1.27";
      });
    },
    expect: { "image-registry": OK },
  },
  {
    name: "nacl allow all",
    mutate: (s) => nacl(s, [r(100, "-1", 0, 0)], [r(100, "-1", 0, 0)]),
    expect: all([...IFACE, "s3-layers"], OK),
  },
  {
    name: "nacl allow all protocol all",
    mutate: (s) => nacl(s, [r(100, "all", 0, 0)], [r(100, "all", 0, 0)]),
    expect: all([...IFACE, "s3-layers"], OK),
  },
  {
    name: "nacl tcp 6 0-65535",
    mutate: (s) => nacl(s, [r(100, "6", 0, 65535)], [r(100, "6", 0, 65535)]),
    expect: all([...IFACE, "s3-layers"], OK),
  },
  {
    name: "nacl tcp 443 out + ephemeral in",
    mutate: (s) =>
      nacl(
        s,
        [r(100, "tcp", 1024, 65535), r(110, "tcp", 443, 443, "10.10.0.0/16")],
        [r(100, "tcp", 443, 443), r(110, "tcp", 1024, 65535, "10.10.0.0/16")]
      ),
    expect: all([...IFACE, "s3-layers"], OK),
  },
  {
    name: "nacl no ingress",
    mutate: (s) => nacl(s, [], [r(100, "-1", 0, 0)]),
    expect: { ...all([...IFACE, "s3-layers"], F), "load-balancer": F },
  },
  {
    name: "nacl deny 443 first",
    mutate: (s) =>
      nacl(
        s,
        [r(100, "-1", 0, 0)],
        [r(50, "tcp", 443, 443, "0.0.0.0/0", "deny"), r(100, "-1", 0, 0)]
      ),
    expect: all([...IFACE, "s3-layers"], F),
  },
  {
    name: "nacl udp only",
    mutate: (s) => nacl(s, [r(100, "17", 0, 65535)], [r(100, "17", 0, 65535)]),
    expect: { ...all([...IFACE, "s3-layers"], F), "load-balancer": F },
  },
  {
    name: "exec on, no ssmmessages",
    mutate: (s) => {
      service(s).enable_execute_command = true;
    },
    expect: { ssmmessages: [["warn"], ["warn"]] },
  },

  {
    name: "self rule as aws_security_group_rule (shared SG)",
    mutate: (s) => {
      service(s).network_configuration.security_groups.push(EP_SG_REMOTE);
      delete N(s).aws_vpc_security_group_ingress_rule[EP_IN];
      delete EG(s)[TO_EP];
      N(s).aws_security_group_rule = {
        i: {
          type: "ingress",
          security_group_id: ref("aws_security_group", EP_SG),
          protocol: "tcp",
          from_port: 443,
          to_port: 443,
          self: true,
        },
        e: {
          type: "egress",
          security_group_id: ref("aws_security_group", EP_SG),
          protocol: "tcp",
          from_port: 443,
          to_port: 443,
          self: true,
        },
      };
    },
    expect: all(IFACE, OK),
  },
  {
    name: "ep ingress from a managed prefix list with the VPC CIDR",
    mutate: (s) => {
      N(s).aws_ec2_managed_prefix_list = {
        vpc: {
          name: "vpc",
          address_family: "IPv4",
          max_entries: 2,
          entry: [{ cidr: "10.10.0.0/16" }],
        },
      };
      const e = epIn(s);
      delete e.cidr_ipv4;
      e.prefix_list_id = "${aws_ec2_managed_prefix_list.vpc.id}";
    },
    expect: all(IFACE, OK),
  },
  {
    name: "ep ingress from a managed prefix list, entries as resources",
    mutate: (s) => {
      N(s).aws_ec2_managed_prefix_list = {
        vpc: { name: "vpc", address_family: "IPv4", max_entries: 2 },
      };
      N(s).aws_ec2_managed_prefix_list_entry = {
        a: {
          prefix_list_id: "${aws_ec2_managed_prefix_list.vpc.id}",
          cidr: "10.10.0.0/16",
        },
      };
      const e = epIn(s);
      delete e.cidr_ipv4;
      e.prefix_list_id = "${aws_ec2_managed_prefix_list.vpc.id}";
    },
    expect: all(IFACE, OK),
  },
  {
    name: "ep ingress from a managed prefix list of another range",
    mutate: (s) => {
      N(s).aws_ec2_managed_prefix_list = {
        vpc: {
          name: "vpc",
          address_family: "IPv4",
          max_entries: 2,
          entry: [{ cidr: "192.168.0.0/16" }],
        },
      };
      const e = epIn(s);
      delete e.cidr_ipv4;
      e.prefix_list_id = "${aws_ec2_managed_prefix_list.vpc.id}";
    },
    expect: all(IFACE, F),
  },
  {
    name: "ep ingress from a literal prefix list id",
    mutate: (s) => {
      const e = epIn(s);
      delete e.cidr_ipv4;
      e.prefix_list_id = "pl-0123456789abcdef0";
    },
    expect: all(IFACE, OKU),
  },
  {
    name: "ep ingress: three rules (two /19 and a /18) together cover both task subnets",
    mutate: (s) => {
      epIn(s).cidr_ipv4 = "10.10.0.0/17";
      N(s).aws_vpc_security_group_ingress_rule.x1 = {
        ...epIn(s),
        cidr_ipv4: "10.10.0.0/19",
      };
      N(s).aws_vpc_security_group_ingress_rule.x2 = {
        ...epIn(s),
        cidr_ipv4: "10.10.32.0/19",
      };
      delete N(s).aws_vpc_security_group_ingress_rule[EP_IN];
      N(s).aws_vpc_security_group_ingress_rule.x3 = {
        ...N(s).aws_vpc_security_group_ingress_rule.x1,
        cidr_ipv4: "10.10.64.0/18",
      };
    },
    expect: all(IFACE, OK),
  },
  {
    name: "ep ingress inline cidr_blocks two halves",
    mutate: (s) => {
      delete N(s).aws_vpc_security_group_ingress_rule[EP_IN];
      N(s).aws_security_group[EP_SG].ingress = [
        {
          protocol: "tcp",
          from_port: 443,
          to_port: 443,
          cidr_blocks: ["10.10.0.0/17", "10.10.128.0/17"],
          ipv6_cidr_blocks: [],
          prefix_list_ids: [],
          security_groups: [],
          self: false,
          description: "x",
        },
      ];
    },
    expect: all(IFACE, OK),
  },
  {
    name: "ep ingress halves but one half missing",
    mutate: (s) => {
      delete N(s).aws_vpc_security_group_ingress_rule[EP_IN];
      N(s).aws_security_group[EP_SG].ingress = [
        {
          protocol: "tcp",
          from_port: 443,
          to_port: 443,
          cidr_blocks: ["10.10.0.0/19", "10.10.64.0/18"],
          ipv6_cidr_blocks: [],
          prefix_list_ids: [],
          security_groups: [],
          self: false,
          description: "x",
        },
      ];
    },
    expect: all(IFACE, [["fail"], ["pass"]]),
  },
  {
    name: "s3 interface private dns + gateway kept",
    mutate: (s) => {
      EP(s).s3i = {
        ...EP(s)[LOGS],
        service_name: "com.amazonaws.ap-northeast-2.s3",
        tags: { Name: "s3i" },
      };
    },
    expect: { "s3-layers": OKU },
  },
  {
    name: "s3 interface private dns, SG closed, gateway kept",
    mutate: (s) => {
      EP(s).s3i = {
        ...EP(s)[LOGS],
        service_name: "com.amazonaws.ap-northeast-2.s3",
        security_group_ids: [ref("aws_default_security_group", DEFAULT_SG)],
      };
    },
    expect: { "s3-layers": F },
  },
  {
    name: "s3 interface private dns inbound-only + gateway",
    mutate: (s) => {
      EP(s).s3i = {
        ...EP(s)[LOGS],
        service_name: "com.amazonaws.ap-northeast-2.s3",
        security_group_ids: [ref("aws_default_security_group", DEFAULT_SG)],
        dns_options: { private_dns_only_for_inbound_resolver_endpoint: true },
      };
    },
    expect: { "s3-layers": OK },
  },
  {
    name: "ep policy Principal AWS * allow *",
    mutate: (s) => {
      EP(s)[ECR_API].policy = JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { AWS: "*" },
            Action: "*",
            Resource: "*",
          },
        ],
      });
    },
    expect: { "ecr-api": OK },
  },
  {
    name: "ep policy deny unless SourceVpc = own vpc",
    mutate: (s) => {
      EP(s)[ECR_API].policy = JSON.stringify({
        Statement: [
          { Effect: "Allow", Principal: "*", Action: "*", Resource: "*" },
          {
            Effect: "Deny",
            Principal: "*",
            Action: "*",
            Resource: "*",
            Condition: {
              StringNotEquals: { "aws:SourceVpc": ref("aws_vpc", VPC) },
            },
          },
        ],
      });
    },
    expect: { "ecr-api": OK },
  },
  {
    name: "ep policy deny unless PrincipalOrgID",
    mutate: (s) => {
      EP(s)[ECR_API].policy = JSON.stringify({
        Statement: [
          { Effect: "Allow", Principal: "*", Action: "*", Resource: "*" },
          {
            Effect: "Deny",
            Principal: "*",
            Action: "*",
            Resource: "*",
            Condition: { StringNotEquals: { "aws:PrincipalOrgID": "o-abc" } },
          },
        ],
      });
    },
    expect: { "ecr-api": OKU },
  },
  {
    name: "ep policy allows only ecr:BatchGetImage (dkr) -> GetDownloadUrlForLayer denied",
    mutate: (s) => {
      EP(s)[ECR_DKR].policy = JSON.stringify({
        Statement: [
          {
            Effect: "Allow",
            Principal: "*",
            Action: "ecr:BatchGetImage",
            Resource: "*",
          },
        ],
      });
    },
    expect: { "ecr-dkr": F },
  },
  {
    name: "s3 policy bucket wildcard",
    mutate: (s) => {
      EP(s)[S3].policy = JSON.stringify({
        Statement: [
          {
            Effect: "Allow",
            Principal: "*",
            Action: "s3:GetObject",
            Resource: "arn:aws:s3:::prod-ap-northeast-2-starport-layer-bucket*",
          },
        ],
      });
    },
    expect: { "s3-layers": OK },
  },
  {
    name: "s3 policy other region bucket",
    mutate: (s) => {
      EP(s)[S3].policy = JSON.stringify({
        Statement: [
          {
            Effect: "Allow",
            Principal: "*",
            Action: "s3:GetObject",
            Resource: "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*",
          },
        ],
      });
    },
    expect: { "s3-layers": F },
  },
  {
    name: "s3 policy s3:Get* on *",
    mutate: (s) => {
      EP(s)[S3].policy = JSON.stringify({
        Statement: [
          { Effect: "Allow", Principal: "*", Action: "s3:Get*", Resource: "*" },
        ],
      });
    },
    expect: { "s3-layers": OK },
  },
  {
    name: "s3 policy via aws_vpc_endpoint_policy deny",
    mutate: (s) => {
      N(s).aws_vpc_endpoint_policy = {
        p: {
          vpc_endpoint_id: ref("aws_vpc_endpoint", S3),
          policy: JSON.stringify({
            Statement: [
              { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*" },
            ],
          }),
        },
      };
      delete EP(s)[S3].policy;
    },
    expect: { "s3-layers": F },
  },
  {
    name: "dhcp AmazonProvidedDNS + 8.8.8.8",
    mutate: (s) => {
      N(s).aws_vpc_dhcp_options = {
        d: { domain_name_servers: ["AmazonProvidedDNS", "8.8.8.8"] },
      };
      N(s).aws_vpc_dhcp_options_association = {
        a: {
          vpc_id: ref("aws_vpc", VPC),
          dhcp_options_id: "${aws_vpc_dhcp_options.d.id}",
        },
      };
    },
    expect: all(IFACE, OK),
  },
  {
    name: "dhcp 8.8.8.8 only",
    mutate: (s) => {
      N(s).aws_vpc_dhcp_options = { d: { domain_name_servers: ["8.8.8.8"] } };
      N(s).aws_vpc_dhcp_options_association = {
        a: {
          vpc_id: ref("aws_vpc", VPC),
          dhcp_options_id: "${aws_vpc_dhcp_options.d.id}",
        },
      };
    },
    expect: all(IFACE, F),
  },
  {
    name: "dhcp 10.10.0.2",
    mutate: (s) => {
      N(s).aws_vpc_dhcp_options = { d: { domain_name_servers: ["10.10.0.2"] } };
      N(s).aws_vpc_dhcp_options_association = {
        a: {
          vpc_id: ref("aws_vpc", VPC),
          dhcp_options_id: "${aws_vpc_dhcp_options.d.id}",
        },
      };
    },
    expect: all(IFACE, OK),
  },
  {
    name: "subnet b no association, main rt assoc -> private-b-rt",
    mutate: (s) => {
      delete N(s).aws_route_table_association[RTA_B];
      N(s).aws_main_route_table_association = {
        m: {
          vpc_id: ref("aws_vpc", VPC),
          route_table_id: ref("aws_route_table", RT_B),
        },
      };
    },
    expect: { "s3-layers": OK },
  },
  {
    name: "subnet b no association, unmanaged main",
    mutate: (s) => {
      delete N(s).aws_route_table_association[RTA_B];
    },
    expect: { "s3-layers": [["pass"], ["fail"]] },
  },
  {
    name: 'assign_public_ip "true" string in public subnets',
    mutate: (s) => {
      const n = service(s).network_configuration;
      n.assign_public_ip = "true";
      n.subnets = n.subnets.map((x: string) =>
        x.replace(SUBNET_A, PUBLIC_A).replace(SUBNET_B, PUBLIC_B)
      );
      addNatEgress(s);
    },
    expect: { "s3-layers": OK },
  },
  {
    name: "endpoint SG via aws_vpc_endpoint_security_group_association",
    mutate: (s) => {
      const e = EP(s)[ECR_API];
      const g = e.security_group_ids[0];
      delete e.security_group_ids;
      N(s).aws_vpc_endpoint_security_group_association = {
        a: {
          vpc_endpoint_id: ref("aws_vpc_endpoint", ECR_API),
          security_group_id: g,
        },
      };
    },
    expect: { "ecr-api": OK },
  },
  {
    name: "endpoint subnet_configuration blocks",
    mutate: (s) => {
      const e = EP(s)[ECR_API];
      e.subnet_configuration = e.subnet_ids.map((x: string) => ({
        subnet_id: x,
      }));
      delete e.subnet_ids;
    },
    expect: { "ecr-api": OK },
  },
  {
    name: 'vpc dns hostnames "false" string',
    mutate: (s) => {
      N(s).aws_vpc[VPC].enable_dns_hostnames = "false";
    },
    expect: { "vpc-dns": F },
  },
  {
    name: "awslogs-region other region",
    mutate: (s) =>
      editC(s, (c) => {
        for (const x of c)
          if (x.logConfiguration)
            x.logConfiguration.options["awslogs-region"] = "us-east-1";
      }),
    expect: { logs: F },
  },
  {
    name: "secret in secrets manager, no endpoint",
    mutate: (s) => {
      editC(s, (c) => {
        c[0].secrets = [
          {
            name: "X",
            valueFrom:
              "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:db-AbCdEf",
          },
        ];
      });
    },
    expect: { secretsmanager: F, "iam-secrets": F },
  },
  {
    name: "ssm param by name, no endpoint",
    mutate: (s) => {
      editC(s, (c) => {
        c[0].secrets = [{ name: "X", valueFrom: "my-param" }];
      });
    },
    expect: { ssm: F, "iam-secrets": F },
  },
  {
    name: "unknown: subnet cidr expression",
    mutate: (s) => {
      N(s).aws_subnet[SUBNET_A].cidr_block = "${cidrsubnet(var.cidr, 2, 0)}";
    },
    expect: {},
  },
  {
    name: "unknown: ep ingress cidr = vpc cidr_block ref",
    mutate: (s) => {
      epIn(s).cidr_ipv4 = ref("aws_vpc", VPC, "cidr_block");
    },
    expect: all(IFACE, OKU),
  },
  {
    name: "unknown: ingress port var",
    mutate: (s) => {
      epIn(s).from_port = "${var.port}";
      epIn(s).to_port = "${var.port}";
    },
    expect: all(IFACE, OKU),
  },
  {
    name: "unknown: private_dns var",
    mutate: (s) => {
      EP(s)[ECR_API].private_dns_enabled = "${var.dns}";
    },
    expect: { "ecr-api": OKU },
  },
  {
    name: "unknown: endpoint service_name var",
    mutate: (s) => {
      EP(s)[ECR_API].service_name = "${var.svc}";
    },
    expect: { "ecr-api": OKU },
  },
  {
    name: "unknown: route table association to var",
    mutate: (s) => {
      N(s).aws_route_table_association[RTA_B].route_table_id = "${var.rt}";
    },
    expect: { "s3-layers": OKU },
  },
  {
    name: "unknown: vpc_endpoint_type var",
    mutate: (s) => {
      EP(s)[S3].vpc_endpoint_type = "${var.t}";
    },
    expect: { "s3-layers": OKU },
  },
  {
    name: "unknown: dns_options var",
    mutate: (s) => {
      EP(s)[ECR_API].dns_options = {
        private_dns_only_for_inbound_resolver_endpoint: "${var.x}",
      };
    },
    expect: { "ecr-api": OKU },
  },
  {
    name: "unknown: nacl rule cidr var",
    mutate: (s) =>
      nacl(
        s,
        [{ ...r(100, "-1", 0, 0), cidr_block: "${var.c}" }],
        [r(100, "-1", 0, 0)]
      ),
    expect: { ...all([...IFACE, "s3-layers"], OKU), "load-balancer": OKU },
  },
  {
    name: "unknown: task SG egress cidr var",
    mutate: (s) => {
      delete toEp(s).referenced_security_group_id;
      toEp(s).cidr_ipv4 = "${var.c}";
    },
    expect: all(IFACE, OKU),
  },
  {
    name: "unknown: execution role policy var",
    mutate: (s) => {
      policy(s).policy = "${var.p}";
    },
    expect: { "iam-ecr": OKU, "iam-logs": OKU },
  },
  {
    name: "unknown: container_definitions var",
    mutate: (s) => {
      task(s).container_definitions = "${var.c}";
    },
    expect: {},
  },
  {
    name: "log group literal name of the declared group",
    mutate: (s) => {
      const name = one(s["dev-web"], "aws_cloudwatch_log_group").name;
      editC(s, (c) => {
        for (const x of c)
          if (x.logConfiguration)
            x.logConfiguration.options["awslogs-group"] = name;
      });
    },
    expect: { logs: OK, "iam-logs": OK },
  },
  {
    name: "log group non-existent, role logs:* on *",
    mutate: (s) => {
      editPolicy(s, (p) => {
        p.Statement.find((x: J) => x.Sid === "WriteLogs").Resource = "*";
      });
      editC(s, (c) => {
        for (const x of c)
          if (x.logConfiguration)
            x.logConfiguration.options["awslogs-group"] = "/nope/missing";
      });
    },
    expect: { "log-group": F },
  },
  {
    name: "log group non-existent, create-group true",
    mutate: (s) => {
      editPolicy(s, (p) => {
        p.Statement.find((x: J) => x.Sid === "WriteLogs").Resource = "*";
        p.Statement.push({
          Effect: "Allow",
          Action: "logs:CreateLogGroup",
          Resource: "*",
        });
      });
      editC(s, (c) => {
        for (const x of c)
          if (x.logConfiguration) {
            x.logConfiguration.options["awslogs-group"] = "/nope/missing";
            x.logConfiguration.options["awslogs-create-group"] = "true";
          }
      });
    },
    expect: { "iam-logs": OK },
  },
  {
    name: "log group name from an expression",
    mutate: (s) => {
      editPolicy(s, (p) => {
        p.Statement.find((x: J) => x.Sid === "WriteLogs").Resource = "*";
      });
      editC(s, (c) => {
        for (const x of c)
          if (x.logConfiguration)
            x.logConfiguration.options["awslogs-group"] = "${var.g}";
      });
    },
    expect: { "log-group": ["unknown"] },
  },
  {
    name: "trust: the execution role trusts ec2.amazonaws.com only",
    mutate: (s) =>
      editTrust(s, /execution/, (t) => {
        t.Statement[0].Principal.Service = "ec2.amazonaws.com";
      }),
    expect: { "iam-trust": F },
  },
  {
    name: "trust: the task role trusts ec2.amazonaws.com only",
    mutate: (s) =>
      editTrust(s, /task/, (t) => {
        t.Statement[0].Principal.Service = "ec2.amazonaws.com";
      }),
    expect: { "iam-trust": F },
  },
  {
    name: "trust: a list of services with ecs-tasks.amazonaws.com, and no condition",
    mutate: (s) =>
      editTrust(s, /execution/, (t) => {
        t.Statement[0].Principal.Service = [
          "ec2.amazonaws.com",
          "ecs-tasks.amazonaws.com",
        ];
        delete t.Statement[0].Condition;
      }),
    expect: {},
  },
  {
    name: "trust: aws:SourceAccount as a literal account id",
    mutate: (s) =>
      editTrust(s, /execution/, (t) => {
        t.Statement[0].Condition = {
          StringEquals: { "aws:SourceAccount": "123456789012" },
        };
      }),
    expect: {},
  },
  {
    name: "trust: aws:SourceArn on the ECS tasks of the account (not decidable before apply)",
    mutate: (s) =>
      editTrust(s, /execution/, (t) => {
        t.Statement[0].Condition = {
          ArnLike: {
            "aws:SourceArn": "arn:aws:ecs:ap-northeast-2:123456789012:*",
          },
        };
      }),
    expect: { "iam-trust": OKU },
  },
  {
    name: "trust: a Deny of sts:AssumeRole to every principal",
    mutate: (s) =>
      editTrust(s, /execution/, (t) => {
        t.Statement.push({
          Effect: "Deny",
          Principal: "*",
          Action: "sts:AssumeRole",
        });
      }),
    expect: { "iam-trust": F },
  },
  {
    name: "trust: the trust policy is an expression",
    mutate: (s) => {
      one(s["dev-web"], "aws_iam_role", /execution/).assume_role_policy =
        "${var.trust}";
    },
    expect: { "iam-trust": ["unknown"] },
  },
];

const baseline = verdicts(preflightOf(fresh(), dev), "dev-web");

describe("adversarial mutations of the default dev stacks: the verdict AWS would give", () => {
  test("the default passes every path", () => {
    expect(
      Object.values(baseline)
        .flat()
        .every((v) => v === "pass")
    ).toBe(true);
  });

  test.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const stacks = fresh();
    c.mutate(stacks);
    const got = verdicts(preflightOf(stacks, dev), "dev-web");
    const wrong: string[] = [];
    for (const [path, allowed] of Object.entries(c.expect)) {
      if (!got[path]) wrong.push(`${path}: no such check`);
      (got[path] ?? []).forEach((v, i) => {
        const ok = (
          Array.isArray(allowed[0]) ? (allowed as V[][])[i] : allowed
        ) as V[];
        if (!ok.includes(v))
          wrong.push(`${path}[${i}] = ${v}, expected ${ok.join("|")}`);
      });
    }
    for (const [path, vs] of Object.entries(got))
      if (!(path in c.expect) && vs.includes("fail"))
        wrong.push(`${path} fails (${vs.join(", ")})`);
    expect(wrong).toEqual([]);
  });
});
