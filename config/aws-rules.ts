/**
 * AWS's rules for names and values the project passes to AWS, as checks that return what
 * is wrong (or undefined). Each rule is one AWS API or quota rule, so a configuration that
 * breaks it is refused at synth instead of failing at `terraform apply`; docs/configuration.md
 * ("Refused at synth") lists them with their sources.
 */
import { KNOWN_REGIONS, partitionOf } from './aws-facts';
import { Cidr, contains, parseCidr } from './cidr';
import type { z } from 'zod';
import { quote } from './issues';

/** Load balancer and target group names (ELB API CreateLoadBalancer / CreateTargetGroup). */
export const ELB_NAME_MAX = 32;

export function elbNameProblem(name: string, kind: 'load balancer' | 'target group'): string | undefined {
  if (name.length > ELB_NAME_MAX) return `the ${kind} name ${quote(name)} would have ${name.length} characters; AWS allows ${ELB_NAME_MAX}`;
  if (!/^[A-Za-z0-9-]+$/.test(name)) return `the ${kind} name ${quote(name)} may contain only letters, digits and hyphens`;
  if (name.startsWith('-') || name.endsWith('-')) return `the ${kind} name ${quote(name)} must not begin or end with a hyphen`;
  if (kind === 'load balancer' && name.startsWith('internal-')) return `the ${kind} name ${quote(name)} must not begin with "internal-" (AWS reserves it)`;
  return undefined;
}

/** Security group names (EC2 API CreateSecurityGroup: up to 255 characters, not beginning with "sg-"). */
export function securityGroupNameProblem(name: string): string | undefined {
  if (name.length > 255) return `the security group name ${quote(name)} would have ${name.length} characters; AWS allows 255`;
  if (name.toLowerCase().startsWith('sg-')) return `the security group name ${quote(name)} must not begin with "sg-" (AWS reserves it for group ids)`;
  return undefined;
}

const S3_RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const S3_RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/** General purpose bucket naming rules (S3 user guide, "Bucket naming rules"). */
export function s3BucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return `a bucket name has 3 to 63 characters, ${quote(name)} has ${name.length}`;
  if (!/^[a-z0-9.-]+$/.test(name)) return `a bucket name has only lowercase letters, digits, dots and hyphens: ${quote(name)}`;
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return `a bucket name begins and ends with a letter or digit: ${quote(name)}`;
  if (name.includes('..')) return `a bucket name has no two adjacent dots: ${quote(name)}`;
  // Labels (between dots) begin and end with a letter or digit, as in DNS.
  if (name.includes('.-') || name.includes('-.')) return `a bucket name has no hyphen next to a dot: ${quote(name)}`;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return `a bucket name is not an IP address: ${quote(name)}`;
  const prefix = S3_RESERVED_PREFIXES.find((p) => name.startsWith(p));
  if (prefix) return `a bucket name must not begin with the reserved prefix "${prefix}": ${quote(name)}`;
  const suffix = S3_RESERVED_SUFFIXES.find((s) => name.endsWith(s));
  if (suffix) return `a bucket name must not end with the reserved suffix "${suffix}": ${quote(name)}`;
  return undefined;
}

/** ECR repository names (ECR API CreateRepository: 2-256 characters and this pattern). */
const ECR_REPOSITORY = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

export function ecrRepositoryNameProblem(name: string): string | undefined {
  if (name.length < 2 || name.length > 256) return `the ECR repository name ${quote(name)} would have ${name.length} characters; AWS allows 2 to 256`;
  if (!ECR_REPOSITORY.test(name)) {
    return `the ECR repository name ${quote(name)} is not valid: lowercase letters and digits, separated by single ".", "_", "-" or "/"`;
  }
  return undefined;
}

/** Longest host-header or path-pattern value of a listener rule condition. */
const CONDITION_VALUE_MAX = 128;

/** A host-header condition value (ELB API HostHeaderConditionConfig). */
export function hostHeaderProblem(value: string): string | undefined {
  if (value === '') return 'is empty; a host header is a host name, e.g. "api.example.com"';
  if (value.length > CONDITION_VALUE_MAX) return `${quote(value)} has ${value.length} characters; a host header condition allows ${CONDITION_VALUE_MAX}`;
  if (!/^[A-Za-z0-9.*?-]+$/.test(value)) return `${quote(value)} is not a host name: only A-Z, a-z, 0-9, "-", "." and the wildcards "*" and "?" are allowed`;
  if (!/\.[A-Za-z]+$/.test(value)) return `${quote(value)} needs at least one "." and only letters after the last one (e.g. "api.example.com")`;
  return undefined;
}

/** A path-pattern condition value (ELB API PathPatternConditionConfig). */
export function pathPatternProblem(value: string): string | undefined {
  if (value === '') return 'is empty; a path pattern is at least one character, e.g. "/api/*"';
  if (value.length > CONDITION_VALUE_MAX) return `${quote(value)} has ${value.length} characters; a path pattern allows ${CONDITION_VALUE_MAX}`;
  if (!/^[A-Za-z0-9_\-.$/~"'@:+&*?]+$/.test(value)) {
    return `${quote(value)} has a character a path pattern does not allow; allowed: A-Z a-z 0-9 _ - . $ / ~ " ' @ : + & and the wildcards * ?`;
  }
  return undefined;
}

/** Wildcards (`*`, `?`) in condition values; a rule allows 5 (ELB quota "Condition wildcards per rule"). */
export function wildcardCount(values: readonly string[]): number {
  return values.reduce((n, v) => n + (v.match(/[*?]/g)?.length ?? 0), 0);
}

/**
 * Rules a security group of this project needs besides one per peer: a task group's egress
 * to the endpoints, to the S3 prefix list and (with NAT) to the internet.
 */
export const TASK_GROUP_FIXED_EGRESS_RULES = 3;

/** Match values per condition and per rule (ELB user guide, "Listener rules"). */
export const RULE_LIMITS = { valuesPerCondition: 3, valuesPerRule: 5, wildcardsPerRule: 5, rulesPerLoadBalancer: 100 } as const;

/** Target group health check path (ELB API CreateTargetGroup HealthCheckPath: 1-1024 characters). */
export function healthCheckPathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return 'must start with /';
  if (path.length > 1024) return `has ${path.length} characters; AWS allows 1024`;
  if (!/^[A-Za-z0-9\-._~!$&'()*+,;=:@/%?]+$/.test(path)) return `${quote(path)} has a character a URI path does not allow (encode it with %XX)`;
  return undefined;
}

/** Target group HTTP success codes: 200 to 499, as "200", "200,302" or "200-299" (ELB API Matcher). */
export function matcherProblem(matcher: string): string | undefined {
  const form = 'HTTP codes from 200 to 499, e.g. "200", "200,302" or "200-299"';
  for (const part of matcher.split(',')) {
    const match = /^(\d{3})(?:-(\d{3}))?$/.exec(part);
    if (!match) return `${quote(part)} is not a code or a range: use ${form}`;
    const low = Number(match[1]);
    const high = Number(match[2] ?? match[1]);
    if (low < 200 || high > 499) return `${quote(part)} is outside 200-499: use ${form}`;
    if (low > high) return `${quote(part)} is a range whose start exceeds its end`;
  }
  return undefined;
}

/** Tag keys and values (AWS tagging rules: `aws:` reserved; key 1-128, value 0-256 of these characters). */
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
export const TAGS_PER_RESOURCE = 50;

export function tagKeyProblem(key: string): string | undefined {
  const length = [...key].length;
  if (length < 1 || length > 128) return `a tag key has 1 to 128 characters, ${quote(key)} has ${length}`;
  if (key.toLowerCase().startsWith('aws:')) return `a tag key must not begin with "aws:" (reserved for AWS): ${quote(key)}`;
  if (!TAG_CHARACTERS.test(key)) return `a tag key may contain letters, digits, spaces and _ . : / = + - @ only: ${quote(key)}`;
  return undefined;
}

export function tagValueProblem(value: string): string | undefined {
  const length = [...value].length;
  if (length > 256) return `a tag value has at most 256 characters, this one has ${length}`;
  // ECS (and others) reserve the prefix in values too.
  if (value.toLowerCase().startsWith('aws:')) return `a tag value must not begin with "aws:" (reserved for AWS): ${quote(value)}`;
  if (!TAG_CHARACTERS.test(value)) return `a tag value may contain letters, digits, spaces and _ . : / = + - @ only: ${quote(value)}`;
  return undefined;
}

/** Private IPv4 ranges a VPC may use (RFC 1918, and RFC 6598 shared space, as the VPC user guide recommends). */
export const PRIVATE_RANGES: readonly string[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'];

export function isPrivateRange(cidr: Cidr): boolean {
  return PRIVATE_RANGES.some((range) => contains(parseCidr(range)!, cidr));
}

/** The smallest subnet a load balancer accepts (ELB user guide: at least a /27 with 8 free addresses). */
export const LOAD_BALANCER_SUBNET_PREFIX_MAX = 27;

/** ECS quota "Task definition size": the registered task definition JSON, at most 64 KiB. */
export const TASK_DEFINITION_MAX_BYTES = 64 * 1024;

/**
 * The partitions of the regions this project knows (config/aws-facts.ts): IAM refuses a
 * policy naming a resource of another partition, and no credential reaches across them.
 */
const KNOWN_PARTITIONS: readonly string[] = [...new Set(KNOWN_REGIONS.map(partitionOf))];

/** An ARN of a partition no supported region is in (checked after the ARN's own pattern). */
export function arnPartitionProblem(arn: string): string | undefined {
  const partition = /^arn:([^:]*):/.exec(arn)?.[1];
  if (partition === undefined || KNOWN_PARTITIONS.includes(partition)) return undefined;
  return `is in the partition "${partition}", but the supported regions are in ${KNOWN_PARTITIONS.map((p) => `"${p}"`).join(', ')} (arn:${KNOWN_PARTITIONS[0]}:...); IAM refuses ARNs of another partition`;
}

/** IAM role names (CreateRole RoleName): 1-64 characters; the path before it is separate. */
const IAM_ROLE_NAME_MAX = 64;

/** The role name in a role ARN (the part after the last `/`, after any path). */
export function iamRoleArnProblem(arn: string): string | undefined {
  const name = arn.slice(arn.lastIndexOf('/') + 1);
  if (name.length === 0) return 'ends with "/": the role name after the path is missing';
  if (name.length > IAM_ROLE_NAME_MAX) return `names a role of ${name.length} characters; IAM role names have at most ${IAM_ROLE_NAME_MAX}`;
  return undefined;
}

/** Largest value of an AWS API integer (int32) field, e.g. an ECS desired count or a lifecycle day count. */
export const API_INTEGER_MAX = 2147483647;

/** Longest DNS name, and longest label, a certificate or CloudFront alias may have (RFC 1035, ACM). */
const DNS_NAME_MAX = 253;
const DNS_LABEL_MAX = 63;

/** A DNS name's lengths and label edges (its characters are checked by the schema's pattern). */
export function dnsNameProblem(name: string): string | undefined {
  if (name.length > DNS_NAME_MAX) return `${quote(name)} has ${name.length} characters; a DNS name has at most ${DNS_NAME_MAX}`;
  const labels = name.split('.');
  const long = labels.find((l) => l.length > DNS_LABEL_MAX);
  if (long !== undefined) return `${quote(name)} has a label of ${long.length} characters; a DNS label has at most ${DNS_LABEL_MAX}`;
  if (labels.some((l) => l.startsWith('-') || l.endsWith('-'))) return `${quote(name)} has a label that begins or ends with a hyphen, which DNS (and ACM) do not allow`;
  return undefined;
}

/** ACM puts a certificate's first domain name in its subject (CN): at most 64 characters (RequestCertificate). */
export const ACM_FIRST_DOMAIN_MAX = 64;

/** A container health check command (ECS HealthCheck.command: "CMD" or "CMD-SHELL", then the command). */
export function healthCheckCommandProblem(command: readonly string[]): string | undefined {
  const form = 'start with "CMD" (run the arguments directly) or "CMD-SHELL" (run them with the container\'s shell), followed by the command, e.g. ["CMD-SHELL", "curl -f http://localhost:8080/ || exit 1"]';
  if (command[0] !== 'CMD' && command[0] !== 'CMD-SHELL') return `must ${form}`;
  if (command.length < 2 || command.slice(1).every((part) => part.trim() === '')) return `has no command after ${quote(command[0])}; it must ${form}`;
  return undefined;
}

/** One of the checks above as a zod refinement, for the schema. */
export function refinedBy(problem: (value: string) => string | undefined) {
  return (value: string, ctx: z.RefinementCtx<string>): void => {
    const message = problem(value);
    if (message) ctx.addIssue({ code: 'custom', message });
  };
}
