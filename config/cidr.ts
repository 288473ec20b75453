/**
 * Minimal IPv4 CIDR arithmetic, done in TypeScript rather than with Terraform's
 * `cidrsubnet()` so that subnet ranges are literal values in the synthesized JSON
 * (reviewable in a plan) and can be validated before any construct is made.
 */
export interface Cidr {
  /** Network address as an unsigned 32-bit integer. */
  readonly base: number;
  readonly prefix: number;
}

// No leading zeros ("010.0.0.0/16"): Terraform's CIDR validation (Go's net.ParseCIDR) refuses them.
const OCTET = '(0|[1-9]\\d{0,2})';
const CIDR_PATTERN = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}\\/(0|[1-9]\\d?)$`);

/** Parses `a.b.c.d/n`; returns undefined when the text is not a canonical IPv4 CIDR. */
export function parseCidr(text: string): Cidr | undefined {
  const match = CIDR_PATTERN.exec(text);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  return { base, prefix };
}

/** The number of addresses in the block. */
export function size(cidr: Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

/** True when `base` is aligned to the prefix (e.g. 10.0.1.0/16 is not). */
export function isCanonical(cidr: Cidr): boolean {
  return cidr.base % size(cidr) === 0;
}

export function formatCidr(cidr: Cidr): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(cidr.base / 2 ** shift) % 256);
  return `${octets.join('.')}/${cidr.prefix}`;
}

export function contains(outer: Cidr, inner: Cidr): boolean {
  return inner.prefix >= outer.prefix && inner.base >= outer.base && inner.base + size(inner) <= outer.base + size(outer);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + size(b) && b.base < a.base + size(a);
}

/** Terraform's cidrsubnet(): the `netnum`-th block of `prefix + newbits` bits inside `parent`. */
export function subnet(parent: Cidr, newbits: number, netnum: number): Cidr {
  const prefix = parent.prefix + newbits;
  if (prefix > 32 || netnum >= 2 ** newbits) {
    throw new RangeError(`cannot take block ${netnum} of /${prefix} from ${formatCidr(parent)}`);
  }
  return { base: parent.base + netnum * 2 ** (32 - prefix), prefix };
}
